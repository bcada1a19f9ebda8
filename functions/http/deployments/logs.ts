import { logsQuerySchema } from '../../../shared/schemas/deployment.ts';
import { makeGetRunLogs } from '../../../shared/use-cases/deployments.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { projects, runLogs, runs, workspaces } from '../../lib/wiring/table.ts';

const getRunLogs = makeGetRunLogs({
  workspaces: workspaces(),
  projects: projects(),
  runs: runs(),
  logs: runLogs(),
});

export const handler = httpHandler({ query: logsQuerySchema }, async ({ identity, path, query }) =>
  json(
    200,
    await getRunLogs(
      identity,
      path.workspaceId as string,
      path.projectId as string,
      path.runId as string,
      query,
    ),
  ),
);
