import { lazy, Suspense } from 'react';
import { Route, Routes } from 'react-router';
import { EnvironmentSettingsPage } from '../pages/environments/environment-settings.tsx';
import { ProjectCreatePage } from '../pages/projects/project-create.tsx';
import { ProjectEditPage } from '../pages/projects/project-edit.tsx';
import { WorkspaceHome } from '../pages/workspaces/workspace-home.tsx';
import { WorkspaceSettings } from '../pages/workspaces/workspace-settings.tsx';
import { HomeRedirect, NotFoundPage, Shell } from './shell.tsx';

// The project and run pages (log viewer, diffs) load on demand: the first paint needs only the list.
const ProjectPage = lazy(() => import('../pages/project/project-page.tsx'));
const RunPage = lazy(() => import('../pages/run/run-page.tsx'));

export function AppRoutes() {
  return (
    <Routes>
      <Route element={<Shell />}>
        <Route index element={<HomeRedirect />} />
        <Route path="w/:workspaceId" element={<WorkspaceHome />} />
        <Route path="w/:workspaceId/settings" element={<WorkspaceSettings />} />
        <Route path="w/:workspaceId/projects/new" element={<ProjectCreatePage />} />
        <Route
          path="w/:workspaceId/projects/:projectId"
          element={
            <Suspense fallback={<p aria-busy="true">Loading project…</p>}>
              <ProjectPage />
            </Suspense>
          }
        />
        <Route path="w/:workspaceId/projects/:projectId/edit" element={<ProjectEditPage />} />
        <Route
          path="w/:workspaceId/projects/:projectId/environments/:environment"
          element={<EnvironmentSettingsPage />}
        />
        <Route
          path="w/:workspaceId/projects/:projectId/runs/:runId"
          element={
            <Suspense fallback={<p aria-busy="true">Loading run…</p>}>
              <RunPage />
            </Suspense>
          }
        />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
