import { makeResumeHold } from '../../../shared/use-cases/promotions.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { deployTurns, projects, workspaces } from '../../lib/wiring/table.ts';

const resumeHold = makeResumeHold({ workspaces: workspaces(), projects: projects(), turns: deployTurns() });

export const handler = httpHandler({}, async ({ identity, path }) => {
  await resumeHold(
    identity,
    path.workspaceId as string,
    path.projectId as string,
    path.environment as string,
  );
  return json(204);
});
