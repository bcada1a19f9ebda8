import { projectSchemas } from '../../../shared/schemas/project.ts';
import { makeCreateProject } from '../../../shared/use-cases/projects.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { platform } from '../../lib/wiring/platform.ts';
import { settings } from '../../lib/wiring/ports.ts';
import { secretStore } from '../../lib/wiring/secrets.ts';
import { clock, ids, resolveHost } from '../../lib/wiring/system.ts';
import { projects, workspaces } from '../../lib/wiring/table.ts';

const createProject = makeCreateProject({
  workspaces: workspaces(),
  projects: projects(),
  secrets: secretStore(),
  ids: ids(),
  clock: clock(),
  platformDomain: platform().domain,
  mode: settings().mode,
  resolveHost,
});

export const handler = httpHandler(
  { body: projectSchemas(settings().mode).create },
  async ({ identity, path, body }) =>
    json(201, await createProject(identity, path.workspaceId as string, body)),
);
