// What `ferry users …` does, locally (the users services) or through a Ferry server
// (/api/v1/migrations/:id/users and …/user-mappings, src/api/routes/users.ts). The routes answer
// what the services answer, so the command prints the same either way.

import type { ControlPlane } from '../../services/control-plane.ts';
import { listUserMappings, mapUser, unmapUser } from '../../services/user-mappings.ts';
import { assignPlan, type PlanTarget } from '../../services/user-plans.ts';
import { listDuplicateUsernames, setUsername, type UsernameChoice } from '../../services/usernames.ts';
import { listUsers, refreshUsers } from '../../services/users.ts';
import {
  getUserEmailOptions,
  sendUserEmails,
  setUserEmailOptions,
  type UserEmailOptions,
  type UserEmailOptionsPatch,
} from '../../services/welcome-emails.ts';
import type { ApiClient } from './api-client.ts';
import type { OperationsFactory } from './operations.ts';

type Answer<F extends (...args: never[]) => Promise<unknown>> = Awaited<ReturnType<F>>;

export interface UsersOperations {
  list(id: string, filter: string | undefined): Promise<Answer<typeof listUsers>>;
  assignPlan(id: string, target: PlanTarget, plan: string): Promise<Answer<typeof assignPlan>>;
  setUsername(id: string, userId: string, choice: UsernameChoice): Promise<Answer<typeof setUsername>>;
  duplicates(id: string): Promise<Answer<typeof listDuplicateUsernames>>;
  emailOptions(id: string): Promise<UserEmailOptions>;
  setEmailOptions(id: string, patch: UserEmailOptionsPatch): Promise<UserEmailOptions>;
  sendEmails(id: string): Promise<Answer<typeof sendUserEmails>>;
  refresh(id: string): Promise<Answer<typeof refreshUsers>>;
  map(id: string, userId: string, identity: string): Promise<Answer<typeof mapUser>>;
  unmap(id: string, userId: string): Promise<Answer<typeof unmapUser>>;
  mappings(id: string): Promise<Answer<typeof listUserMappings>>;
}

function local(cp: ControlPlane): UsersOperations {
  return {
    list: (id, filter) => listUsers(cp, id, filter === undefined ? {} : { filter }),
    assignPlan: (id, target, plan) => assignPlan(cp, id, target, plan),
    setUsername: (id, userId, choice) => setUsername(cp, id, userId, choice),
    duplicates: (id) => listDuplicateUsernames(cp, id),
    emailOptions: (id) => getUserEmailOptions(cp, id),
    setEmailOptions: (id, patch) => setUserEmailOptions(cp, id, patch),
    sendEmails: (id) => sendUserEmails(cp, id),
    refresh: (id) => refreshUsers(cp, id),
    map: (id, userId, identity) => mapUser(cp, id, userId, identity),
    unmap: (id, userId) => unmapUser(cp, id, userId),
    mappings: (id) => listUserMappings(cp, id),
  };
}

function remote(api: ApiClient): UsersOperations {
  const users = (id: string) => `/migrations/${encodeURIComponent(id)}/users`;
  const user = (id: string, userId: string) => `${users(id)}/${encodeURIComponent(userId)}`;
  const mapping = (id: string, userId: string) =>
    `/migrations/${encodeURIComponent(id)}/user-mappings/${encodeURIComponent(userId)}`;
  return {
    list: (id, filter) => api.get(users(id), { query: { filter } }),
    assignPlan: (id, target, plan) =>
      'userId' in target
        ? api.put(`${user(id, target.userId)}/plan`, { plan })
        : api.put(`${users(id)}/plan`, { filter: target.filter, plan }),
    setUsername: (id, userId, choice) => api.put(`${user(id, userId)}/username`, choice),
    duplicates: (id) => api.get(`${users(id)}/duplicates`),
    emailOptions: (id) => api.get(`${users(id)}/email-options`),
    setEmailOptions: (id, patch) => api.put(`${users(id)}/email-options`, patch),
    sendEmails: (id) => api.post(`${users(id)}/emails`),
    refresh: (id) => api.post(`${users(id)}/refresh`),
    map: (id, userId, identity) => api.put(mapping(id, userId), { identity }),
    unmap: (id, userId) => api.delete(mapping(id, userId)),
    mappings: (id) => api.get(`/migrations/${encodeURIComponent(id)}/user-mappings`),
  };
}

export const usersOperations: OperationsFactory<UsersOperations> = { local, remote };
