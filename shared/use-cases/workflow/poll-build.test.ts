import { describe, expect, it } from 'vitest';
import type { Run } from '../../deploy.ts';
import type { BuildProgress, BuildService } from '../../deploy-ports.ts';
import { FakeBuild } from '../../testing/in-memory-deploy.ts';
import { failure, workflowRuns } from '../../testing/workflow-runs.ts';
import type { BuildTracking } from './contract.ts';
import { makePollBuild } from './poll-build.ts';

const digest = `sha256:${'a'.repeat(64)}`;

function setup({ buildPolls = 50, build = new FakeBuild() as Pick<BuildService, 'poll' | 'cancel'> } = {}) {
  const w = workflowRuns();
  const pollBuild = makePollBuild({ runs: w.runs, build, journal: w.journal, limits: { buildPolls } });
  /** A building run and what TriggerBuild returned for it. */
  const building = async (fields: Partial<Run> = {}) => {
    const run = await w.addRun(w.monolith, { status: 'building', buildId: 'b-1', ...fields });
    const tracking: BuildTracking = { buildId: 'b-1', offset: null, polls: 0, state: 'running' };
    return { run, tracking };
  };
  const buildLines = (run: Run) =>
    (w.logs.lines.get(run.id) ?? []).filter((l) => l.stream === 'build').map((l) => l.text);
  return { ...w, pollBuild, building, buildLines };
}

/** A build service that answers each poll with the next scripted progress. */
function scripted(...progress: Array<Partial<BuildProgress>>) {
  const cancelled: string[] = [];
  return {
    cancelled,
    async poll(): Promise<BuildProgress> {
      return { state: 'running', phase: 'build', lines: [], nextOffset: '0', ...progress.shift() };
    },
    async cancel(buildId: string) {
      cancelled.push(buildId);
    },
  };
}

describe('PollBuild', () => {
  it('copies each new build log line into the run’s log exactly once, following the offset', async () => {
    const build = new FakeBuild();
    build.lines = ['step 1', 'step 2', 'step 3'];
    const s = setup({ build });
    const { run, tracking } = await s.building();
    const first = await s.pollBuild(s.stateOf(run, { build: tracking }));
    expect(first).toEqual({ buildId: 'b-1', offset: '1', polls: 1, state: 'running' });
    expect(s.buildLines(run)).toEqual(['step 1']);
    let next = first;
    while (next.state === 'running') next = await s.pollBuild(s.stateOf(run, { build: next }));
    expect(next).toMatchObject({ state: 'succeeded', polls: 4 });
    expect(s.buildLines(run)).toEqual(['step 1', 'step 2', 'step 3']);
  });

  it('moves the run to pushing when the build pushes, once', async () => {
    const build = scripted(
      { phase: 'push', lines: ['pushing layer'] },
      { phase: 'push', lines: ['pushed'], nextOffset: '2' },
    );
    const s = setup({ build });
    const { run, tracking } = await s.building();
    const first = await s.pollBuild(s.stateOf(run, { build: tracking }));
    expect(await s.reload(run)).toMatchObject({ status: 'pushing' });
    await s.pollBuild(s.stateOf(run, { build: first }));
    const after = await s.reload(run);
    expect(after.status).toBe('pushing');
    expect(after.steps.map((st) => `${st.name}:${st.status}`)).toEqual([
      'queue:succeeded',
      'build:succeeded',
      'push:running',
    ]);
  });

  it('records the image, every service image and the built commit on success', async () => {
    const build = new FakeBuild();
    build.lines = [];
    const images = { gateway: { reference: 'registry.test/shop-gateway:1', digest } };
    build.images = images;
    const s = setup({ build, buildPolls: 1 });
    const { run, tracking } = await s.building();
    expect(await s.pollBuild(s.stateOf(run, { build: tracking }))).toEqual({
      buildId: 'b-1',
      offset: '0',
      polls: 1,
      state: 'succeeded',
    });
    const after = await s.reload(run);
    expect(after).toMatchObject({
      status: 'pushing',
      image: { reference: 'registry.test/app:b-1', digest },
      images,
      sourceCommit: 'c'.repeat(40),
    });
    expect(s.log(run)).toEqual([`✔ Image registry.test/app:b-1 (sha256:${'a'.repeat(12)}…)`]);
    expect(build.cancelled).toEqual([]);
  });

  it('fails with BuildFailed and the build’s reason when it fails', async () => {
    const build = new FakeBuild();
    build.lines = [];
    build.outcome = 'failed';
    const s = setup({ build });
    const { run, tracking } = await s.building();
    expect(await failure(s.pollBuild(s.stateOf(run, { build: tracking })))).toEqual({
      name: 'BuildFailed',
      message: 'npm run build exited with code 1',
    });
    expect((await s.reload(run)).image).toBeUndefined();
  });

  it('names the failure by its cause, so the hint fits: repository, branch, platform', async () => {
    const s = setup({
      build: scripted(
        {
          state: 'failed',
          reason: "git could not clone x: fatal: repository 'x' not found",
          cause: 'source',
        },
        { state: 'failed', reason: 'no branch', cause: 'branch' },
        { state: 'failed', reason: 'no space left on device', cause: 'platform' },
        { state: 'failed', reason: 'npm run build exited with code 1', cause: 'command' },
      ),
    });
    const { run, tracking } = await s.building();
    const state = s.stateOf(run, { build: tracking });
    const names = [];
    for (let i = 0; i < 4; i++) names.push((await failure(s.pollBuild(state)))?.name);
    expect(names).toEqual([
      'BuildSourceUnreachable',
      'BuildBranchNotFound',
      'BuildPlatformFailed',
      'BuildFailed',
    ]);
  });

  it('says why when the build service gives no reason: failed, cancelled, or no image', async () => {
    const s = setup({
      build: scripted(
        { state: 'failed' },
        { state: 'cancelled' },
        { state: 'succeeded', phase: 'push', lines: ['done'] },
      ),
    });
    const { run, tracking } = await s.building();
    const state = s.stateOf(run, { build: tracking });
    expect(await failure(s.pollBuild(state))).toEqual({ name: 'BuildFailed', message: 'The build failed.' });
    expect(await failure(s.pollBuild(state))).toEqual({
      name: 'BuildCancelled',
      message: 'The build was cancelled.',
    });
    expect(await failure(s.pollBuild(state))).toEqual({
      name: 'BuildFailed',
      message: 'The build finished without recording an image.',
    });
    expect(s.buildLines(run)).toEqual(['done']);
  });

  it('cancels the build and fails with BuildTimedOut after limits.buildPolls polls', async () => {
    const build = new FakeBuild();
    build.hold = true;
    const s = setup({ build, buildPolls: 3 });
    const { run, tracking } = await s.building();
    const second = await s.pollBuild(s.stateOf(run, { build: { ...tracking, polls: 1 } }));
    expect(second).toMatchObject({ polls: 2, state: 'running' });
    expect(build.cancelled).toEqual([]);
    expect(await failure(s.pollBuild(s.stateOf(run, { build: second })))).toEqual({
      name: 'BuildTimedOut',
      message: 'The build did not finish within 3 checks and was cancelled.',
    });
    expect(build.cancelled).toEqual(['b-1']);
  });

  it('fails with NoBuild when no build was started', async () => {
    const build = new FakeBuild();
    const s = setup({ build });
    const { run } = await s.building();
    expect(await failure(s.pollBuild(s.stateOf(run)))).toMatchObject({ name: 'NoBuild' });
    expect(s.log(run)).toEqual([]);
  });
});
