import { createWorkspaceSchema } from '../../../shared/schemas/workspace.ts';
import { makeCreateWorkspace } from '../../../shared/use-cases/workspaces.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { logger } from '../../lib/logger.ts';
import { gitopsBootstrapTarget, gitopsRepository } from '../../lib/wiring/gitops.ts';
import { clock, ids } from '../../lib/wiring/system.ts';
import { workspaces } from '../../lib/wiring/table.ts';

const createWorkspace = makeCreateWorkspace({
  workspaces: workspaces(),
  ids: ids(),
  clock: clock(),
  bootstrap: {
    gitops: gitopsRepository(),
    target: gitopsBootstrapTarget(),
    log: { warn: (message, details) => logger.warn(message, details ?? {}) },
  },
});

export const handler = httpHandler({ body: createWorkspaceSchema }, async ({ identity, body }) =>
  json(201, await createWorkspace(identity, body)),
);
