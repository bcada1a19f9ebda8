import { releasesQuerySchema } from '../../../shared/schemas/deployment.ts';
import { makeListReleases } from '../../../shared/use-cases/deployments.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { deployTurns, projects, releases, workspaces } from '../../lib/wiring/table.ts';

const listReleases = makeListReleases({
  workspaces: workspaces(),
  projects: projects(),
  releases: releases(),
  turns: deployTurns(),
});

export const handler = httpHandler({ query: releasesQuerySchema }, async ({ identity, path, query }) =>
  json(200, await listReleases(identity, path.workspaceId as string, path.projectId as string, query)),
);
