import { pageQuerySchema } from '../../../shared/schemas/query.ts';
import { makeListCredentialReads } from '../../../shared/use-cases/databases.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { credentialReads, projects, workspaces } from '../../lib/wiring/table.ts';

const listReads = makeListCredentialReads({
  workspaces: workspaces(),
  projects: projects(),
  audit: credentialReads(),
});

export const handler = httpHandler({ query: pageQuerySchema }, async ({ identity, path, query }) =>
  json(200, await listReads(identity, path.workspaceId as string, path.projectId as string, query)),
);
