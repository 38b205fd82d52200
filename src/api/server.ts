// The HTTP API: Fastify under /api/v1, the OpenAPI document generated from the route schemas at
// /api/v1/openapi.json, an explorer page at /api/v1/docs, bearer tokens on every other endpoint.

import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import type { RunStore } from '../engine/run-store.ts';
import type { ControlPlane } from '../services/control-plane.ts';
import { RunEventBus } from '../services/run-events.ts';
import { RunLauncher } from '../services/run-launcher.ts';
import { Store } from '../store/open-store.ts';
import type { InProcessQueue } from '../queue/in-process-queue.ts';
import type { JobQueue } from '../queue/job-queue.ts';
import { startInProcessCompanyInitializer } from '../services/company-initialization.ts';
import { verifyRuntimeKey } from '../services/runtime-keys.ts';
import { installBearerAuth, type OperatorTokenVerifier } from './auth.ts';
import { installErrorHandler } from './errors.ts';
import { registerRunRoutes } from './routes/runs.ts';
import { registerCheckRoutes } from './routes/checks.ts';
import { registerCompanyInitializationRoutes } from './routes/company-initializations.ts';
import { registerDataQualityRoutes } from './routes/data-quality.ts';
import { registerDocumentRoutes } from './routes/documents.ts';
import { registerMigrationPlanRoutes } from './routes/migration-plan.ts';
import { registerMigrationSettingsRoutes } from './routes/migration-settings.ts';
import { registerMigrationRoutes } from './routes/migrations.ts';
import { registerTableMappingRoutes } from './routes/table-mappings.ts';
import { registerTenantRoutes } from './routes/tenants.ts';
import { registerTokenRoutes } from './routes/tokens.ts';
import { registerUserRoutes } from './routes/users.ts';

export interface ServerDeps {
  store: RunStore;
  tokens: OperatorTokenVerifier;
  /** The store, profiles and clock the control-plane routes (migrations, tenants, tokens) use. */
  controlPlane: ControlPlane;
  version: string;
  /** Pino logging to stderr; off in tests. */
  logger?: boolean;
  /**
   * Where runs and company initialization jobs go: pg-boss for `ferry worker` processes (PostgreSQL
   * store). With the PostgreSQL store, runs started through the API (and the scheduler) are then
   * created here and executed by the workers. Default: runs and company initializations execute in
   * this server. The caller stops a queue it passes.
   */
  jobs?: JobQueue;
}

export interface FerryServer {
  app: FastifyInstance;
  launcher: RunLauncher;
  bus: RunEventBus;
  /** Stop accepting requests, let runs in flight reach a chunk boundary, close. */
  close(): Promise<void>;
}

export async function buildServer(deps: ServerDeps): Promise<FerryServer> {
  const app = Fastify({
    logger: deps.logger === true ? { level: 'info', redact: ['req.headers.authorization'] } : false,
    // Every body is JSON and small; a run's data never passes through the API.
    bodyLimit: 1024 * 1024,
  });
  const bus = new RunEventBus();
  // Runs go to the workers only when they share this store (PostgreSQL); with SQLite they run here.
  const runQueue =
    deps.jobs !== undefined && deps.store instanceof Store && deps.store.kind === 'postgres'
      ? deps.jobs
      : undefined;
  const launcher = new RunLauncher(
    deps.store,
    bus,
    deps.controlPlane,
    runQueue === undefined ? {} : { queue: runQueue },
  );
  let ownJobs: InProcessQueue | null = null;
  const jobs = deps.jobs ?? (ownJobs = await startInProcessCompanyInitializer(deps.controlPlane));

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Ferry API',
        version: deps.version,
        description:
          'Manage migrations from on-premises installations to cloud tenants. Every endpoint needs ' +
          '`Authorization: Bearer <token>` (create one with `ferry token create`). Errors are ' +
          '`{ code, message, hint, details }`; the codes are listed in docs/errors.md.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/v1/docs' });
  installErrorHandler(app);
  // Runtime keys authenticate on-premises agents for their migration's agent endpoints only (auth.ts).
  installBearerAuth(app, deps.tokens, { verify: (key) => verifyRuntimeKey(deps.controlPlane, key) });
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, () => app.swagger());
  registerRunRoutes(app, { store: deps.store, launcher, bus, controlPlane: deps.controlPlane });
  registerMigrationRoutes(app, { controlPlane: deps.controlPlane });
  registerMigrationPlanRoutes(app, { controlPlane: deps.controlPlane });
  registerMigrationSettingsRoutes(app, { controlPlane: deps.controlPlane });
  registerCheckRoutes(app, { controlPlane: deps.controlPlane });
  registerDataQualityRoutes(app, { controlPlane: deps.controlPlane });
  registerDocumentRoutes(app, { controlPlane: deps.controlPlane });
  registerTableMappingRoutes(app, { controlPlane: deps.controlPlane });
  registerTenantRoutes(app, { controlPlane: deps.controlPlane });
  registerTokenRoutes(app, { controlPlane: deps.controlPlane });
  registerUserRoutes(app, { controlPlane: deps.controlPlane });
  registerCompanyInitializationRoutes(app, { controlPlane: deps.controlPlane, jobs });

  return {
    app,
    launcher,
    bus,
    async close() {
      await launcher.shutdown();
      await ownJobs?.stop();
      await app.close();
      bus.close();
    },
  };
}
