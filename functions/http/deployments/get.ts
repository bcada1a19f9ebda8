import { makeGetRun } from '../../../shared/use-cases/deployments.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { projects, runs, workspaces } from '../../lib/wiring/table.ts';

const getRun = makeGetRun({ workspaces: workspaces(), projects: projects(), runs: runs() });

export const handler = httpHandler({}, async ({ identity, path }) =>
  json(
    200,
    await getRun(identity, path.workspaceId as string, path.projectId as string, path.runId as string),
  ),
);
