// What `ferry token list|revoke` do, locally (the services) or through a Ferry server
// (/api/v1/tokens). `ferry token create` stays local: it is how the first token comes to exist.

import type { ControlPlane } from '../../services/control-plane.ts';
import { listOperatorTokens, revokeOperatorToken } from '../../services/tokens.ts';
import type { OperatorTokenRecord } from '../../store/credential-repository.ts';
import type { ApiClient } from './api-client.ts';
import type { OperationsFactory } from './operations.ts';

export interface TokenOperations {
  list(): Promise<OperatorTokenRecord[]>;
  revoke(id: string): Promise<void>;
}

function local(cp: ControlPlane): TokenOperations {
  return {
    list: () => listOperatorTokens(cp),
    revoke: (id) => revokeOperatorToken(cp, id),
  };
}

function remote(api: ApiClient): TokenOperations {
  return {
    list: () => api.get<OperatorTokenRecord[]>('/tokens'),
    async revoke(id) {
      await api.delete(`/tokens/${encodeURIComponent(id)}`);
    },
  };
}

export const tokenOperations: OperationsFactory<TokenOperations> = { local, remote };
