import { describe, expect, it } from 'vitest';
import { FakeBuild } from '../../testing/in-memory-deploy.ts';
import { failure, workflowRuns } from '../../testing/workflow-runs.ts';
import { makeTriggerBuild } from './trigger-build.ts';

function setup() {
  const w = workflowRuns();
  const build = new FakeBuild();
  const triggerBuild = makeTriggerBuild({
    runs: w.runs,
    projects: w.projects,
    build,
    journal: w.journal,
    platform: { imageRegistry: 'registry.test/wharf' },
  });
  return { ...w, build, triggerBuild };
}

describe('TriggerBuild', () => {
  it('starts a monolith build of the run’s source with its port, and records the build', async () => {
    const s = setup();
    const run = await s.addRun(s.monolith, {
      status: 'building',
      source: {
        repositoryUrl: 'https://github.com/acme/storefront',
        branch: 'release',
        commit: 'f'.repeat(40),
      },
    });
    const buildId = `b-${run.id}`;
    expect(await s.triggerBuild(s.stateOf(run))).toEqual({
      buildId,
      offset: null,
      polls: 0,
      state: 'running',
    });
    expect(s.build.started).toEqual([
      {
        runId: run.id,
        workspaceId: s.workspace.id,
        projectId: s.monolith.id,
        projectName: 'storefront',
        environment: 'production',
        projectType: 'monolith',
        repository: { url: 'https://github.com/acme/storefront', branch: 'release' },
        commit: 'f'.repeat(40),
        imageRepository: `registry.test/wharf/${s.workspace.id}/storefront`,
        port: 8080,
      },
    ]);
    expect((await s.reload(run)).buildId).toBe(buildId);
    expect(s.log(run)).toEqual([
      `▶ Build ${buildId} started for https://github.com/acme/storefront (release)`,
    ]);
  });

  it('passes every service (name, folder, port) of a microservices project, and no port', async () => {
    const s = setup();
    const run = await s.addRun(s.microservices, { status: 'building' });
    await s.triggerBuild(s.stateOf(run));
    const request = s.build.started[0];
    expect(request).toMatchObject({
      projectType: 'microservices',
      imageRepository: `registry.test/wharf/${s.workspace.id}/shop`,
      services: [
        { name: 'gateway', path: 'gateway', port: 8080 },
        { name: 'catalog', path: 'services/catalog', port: 8081 },
        { name: 'billing', path: 'services/billing', port: 8082 },
      ],
    });
    expect(request?.services?.[0]).not.toHaveProperty('entry');
    expect(request).not.toHaveProperty('port');
  });

  it('is idempotent: a retry finds the same build and logs nothing new', async () => {
    const s = setup();
    const run = await s.addRun(s.monolith, { status: 'building' });
    const first = await s.triggerBuild(s.stateOf(run));
    const stored = await s.reload(run);
    expect(await s.triggerBuild(s.stateOf(run))).toEqual(first);
    expect(s.build.started).toHaveLength(1);
    expect(s.log(run)).toHaveLength(1);
    expect(await s.reload(run)).toEqual(stored);
  });

  it('refuses with NothingToBuild for a database, or a run without source', async () => {
    const s = setup();
    const db = await s.addRun(s.database, { status: 'building' });
    expect(await failure(s.triggerBuild(s.stateOf(db)))).toEqual({
      name: 'NothingToBuild',
      message: 'This project has no source to build.',
    });
    const sourceless = await s.addRun(s.monolith, { status: 'building', source: undefined });
    expect(await failure(s.triggerBuild(s.stateOf(sourceless)))).toMatchObject({ name: 'NothingToBuild' });
    expect(s.build.started).toEqual([]);
  });

  it('fails with ProjectGone when the project was deleted', async () => {
    const s = setup();
    const run = await s.addRun(s.monolith, { status: 'building' });
    await s.projects.delete(s.monolith, '2026-11-22T11:00:00.000Z', []);
    expect(await failure(s.triggerBuild(s.stateOf(run)))).toMatchObject({ name: 'ProjectGone' });
    expect(s.build.started).toEqual([]);
  });
});
