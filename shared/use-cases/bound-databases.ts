import type { DatabaseProject, Project } from '../domain.ts';
import type { ProjectRepository } from '../ports.ts';

/** What renderRelease needs for a project's bindings: each with the database project it names. */
export type BoundDatabases = Array<{ binding: { projectId: string; env: string }; project: DatabaseProject }>;

/**
 * Loads the databases a monolith or microservices project is bound to, from its own workspace. A
 * binding whose database is gone (deleted, or not a database any more) can't be rendered: `fail` is
 * called with a message that names it and says what to do, and its error is thrown.
 */
export async function loadBoundDatabases(
  projects: Pick<ProjectRepository, 'get'>,
  project: Project,
  fail: (message: string) => Error,
): Promise<BoundDatabases> {
  if (project.type === 'database' || !project.databases?.length) return [];
  return Promise.all(
    project.databases.map(async (binding) => {
      const database = await projects.get(project.workspaceId, binding.projectId);
      if (database?.type !== 'database') {
        throw fail(
          `${binding.env} is bound to database ${binding.projectId}, which no longer exists in this workspace: attach another database to ${project.name} (or detach it) and deploy again.`,
        );
      }
      return { binding, project: database };
    }),
  );
}
