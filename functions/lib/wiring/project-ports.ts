import type { ProjectDeps } from '../../../shared/use-cases/projects.ts';
import { platform } from './platform.ts';
import { settings } from './ports.ts';
import { secretStore } from './secrets.ts';
import { clock, ids, resolveHost } from './system.ts';
import { deployTurns, projects, releases, workspaces } from './table.ts';

/**
 * What creating and changing a project (or one of its environments) use: the table (host claims too),
 * the secret store, the host check, and what the answer shows of each environment (host, live URL,
 * current release, hold).
 */
export const projectPorts = (): ProjectDeps => ({
  ...projectViewPorts(),
  secrets: secretStore(),
  ids: ids(),
  clock: clock(),
  mode: settings().mode,
  resolveHost,
});

/**
 * What reading a project uses: the table, the platform's domain and URLs for its environments' hosts,
 * and DNS for its custom domains' checks.
 */
export const projectViewPorts = () => ({
  workspaces: workspaces(),
  projects: projects(),
  turns: deployTurns(),
  releases: releases(),
  platformDomain: platform().domain,
  liveUrl: platform().liveUrl,
  domains: { ingressHost: platform().ingressHost, resolve: resolveHost },
});
