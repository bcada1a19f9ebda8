import * as z from 'zod';
import { makeUpdateProject } from '../../../shared/use-cases/projects.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { platform } from '../../lib/wiring/platform.ts';
import { settings } from '../../lib/wiring/ports.ts';
import { secretStore } from '../../lib/wiring/secrets.ts';
import { clock, ids, resolveHost } from '../../lib/wiring/system.ts';
import { projects, workspaces } from '../../lib/wiring/table.ts';

const updateProject = makeUpdateProject({
  workspaces: workspaces(),
  projects: projects(),
  secrets: secretStore(),
  ids: ids(),
  clock: clock(),
  platformDomain: platform().domain,
  mode: settings().mode,
  resolveHost,
});

// The body's schema depends on the stored project's type, so the use case validates it.
export const handler = httpHandler({ body: z.unknown() }, async ({ identity, path, body }) =>
  json(200, await updateProject(identity, path.workspaceId as string, path.projectId as string, body)),
);
