import { runsQuerySchema } from '../../../shared/schemas/deployment.ts';
import { makeListRuns } from '../../../shared/use-cases/deployments.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { projects, runs, workspaces } from '../../lib/wiring/table.ts';

const listRuns = makeListRuns({ workspaces: workspaces(), projects: projects(), runs: runs() });

export const handler = httpHandler({ query: runsQuerySchema }, async ({ identity, path, query }) =>
  json(200, await listRuns(identity, path.workspaceId as string, path.projectId as string, query)),
);
