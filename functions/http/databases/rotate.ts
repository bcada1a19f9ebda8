import { rotateRequestSchema } from '../../../shared/schemas/database.ts';
import { makeRotateCredentials } from '../../../shared/use-cases/databases.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { logger } from '../../lib/logger.ts';
import { journal } from '../../lib/wiring/live.ts';
import { secretStore } from '../../lib/wiring/secrets.ts';
import { clock, ids } from '../../lib/wiring/system.ts';
import { deployTurns, projects, runs, workspaces } from '../../lib/wiring/table.ts';
import { workflowEngine } from '../../lib/wiring/workflow.ts';

const rotateCredentials = makeRotateCredentials({
  workspaces: workspaces(),
  projects: projects(),
  secrets: secretStore(),
  turns: deployTurns(),
  runs: runs(),
  journal: journal(),
  workflow: workflowEngine(),
  ids: ids(),
  clock: clock(),
});

export const handler = httpHandler({ body: rotateRequestSchema }, async ({ identity, path, body }) => {
  const rotation = await rotateCredentials(
    identity,
    path.workspaceId as string,
    path.projectId as string,
    body,
  );
  if (rotation.runId) logger.appendKeys({ runId: rotation.runId });
  return json(202, rotation);
});
