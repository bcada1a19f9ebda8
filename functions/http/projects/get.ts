import { makeGetProject } from '../../../shared/use-cases/projects.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { localWorkloads } from '../../lib/wiring/database-ports.ts';
import { projectViewPorts } from '../../lib/wiring/project-ports.ts';

// Locally, a database's answer also says where it is published on this machine while it runs.
const getProject = makeGetProject({ ...projectViewPorts(), workloads: localWorkloads() });

export const handler = httpHandler({}, async ({ identity, path }) =>
  json(200, await getProject(identity, path.workspaceId as string, path.projectId as string)),
);
