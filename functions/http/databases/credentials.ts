import { credentialsQuerySchema } from '../../../shared/schemas/query.ts';
import { makeRevealCredentials } from '../../../shared/use-cases/databases.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { localWorkloads } from '../../lib/wiring/database-ports.ts';
import { secretStore } from '../../lib/wiring/secrets.ts';
import { clock } from '../../lib/wiring/system.ts';
import { credentialReads, projects, workspaces } from '../../lib/wiring/table.ts';

const revealCredentials = makeRevealCredentials({
  workspaces: workspaces(),
  projects: projects(),
  secrets: secretStore(),
  audit: credentialReads(),
  clock: clock(),
  workloads: localWorkloads(),
});

// The one answer that carries a secret value: never cached by a browser or a proxy.
export const handler = httpHandler({ query: credentialsQuerySchema }, async ({ identity, path, query }) => ({
  ...json(
    200,
    await revealCredentials(
      identity,
      path.workspaceId as string,
      path.projectId as string,
      query.environment,
    ),
  ),
  headers: { 'cache-control': 'no-store', pragma: 'no-cache' },
}));
