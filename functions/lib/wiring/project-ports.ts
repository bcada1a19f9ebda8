import type { ProjectDeps } from '../../../shared/use-cases/projects.ts';
import { platform } from './platform.ts';
import { settings } from './ports.ts';
import { secretStore } from './secrets.ts';
import { clock, ids, resolveHost } from './system.ts';
import { projects, workspaces } from './table.ts';

/** What creating and changing a project use: the table (host claims too), the secret store, the host check. */
export const projectPorts = (): ProjectDeps => ({
  workspaces: workspaces(),
  projects: projects(),
  secrets: secretStore(),
  ids: ids(),
  clock: clock(),
  platformDomain: platform().domain,
  mode: settings().mode,
  resolveHost,
});
