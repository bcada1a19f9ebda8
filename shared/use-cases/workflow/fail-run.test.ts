import { describe, expect, it } from 'vitest';
import type { Run } from '../../deploy.ts';
import { FakeBuild, FakeGitOps, FakeSync } from '../../testing/in-memory-deploy.ts';
import { failure, workflowRuns } from '../../testing/workflow-runs.ts';
import type { CaughtError } from './contract.ts';
import { type FailRunPorts, makeFailRun, WORKFLOW_HINTS } from './fail-run.ts';

const FALLBACK_HINT = 'Check the log; if the cause is not clear, open the workflow execution.';

/** What a Lambda task's Catch puts at `$.error`: the error name, and Lambda's error JSON as the cause. */
const lambdaError = (name: string, message: string): CaughtError => ({
  Error: name,
  Cause: JSON.stringify({ errorType: name, errorMessage: message, trace: [`${name}: ${message}`] }),
});

/** FailRun over in-memory ports; `ports` replaces any of them. */
function setup(ports: Partial<FailRunPorts> = {}) {
  const w = workflowRuns();
  const build = new FakeBuild();
  const gitops = new FakeGitOps();
  const sync = new FakeSync();
  const failRun = makeFailRun({
    runs: w.runs,
    turns: w.runs,
    releases: w.runs,
    build,
    gitops,
    sync,
    journal: w.journal,
    clock: w.clock,
    hints: WORKFLOW_HINTS,
    ...ports,
  });
  /** A run in `status` that holds the environment's turn. */
  const holding = async (fields: Partial<Run> = {}) => {
    const run = await w.addRun(w.monolith, { status: 'building', ...fields });
    expect(await w.runs.takeTurn(run.projectId, 'production', run.id, undefined)).toBe(true);
    return run;
  };
  return { ...w, build, gitops, sync, failRun, holding };
}

describe('FailRun', () => {
  describe('the reason and the hint', () => {
    it('takes the reason from a Lambda error’s JSON cause, and the hint for its name', async () => {
      const s = setup();
      const run = await s.holding({ status: 'syncing' });
      await s.failRun(
        s.stateOf(run, { error: lambdaError('TurnTimedOut', 'Run r1 did not finish in time.') }),
      );
      expect(await s.reload(run)).toMatchObject({
        status: 'failed',
        failureReason: 'Run r1 did not finish in time.',
        hint: WORKFLOW_HINTS.TurnTimedOut,
      });
      expect(s.log(run)).toEqual(['✖ Run r1 did not finish in time.']);
    });

    it('gives a build failure a hint for its cause, with the project field to fix', async () => {
      const s = setup();
      const run = await s.holding({ status: 'building' });
      await s.failRun(
        s.stateOf(run, {
          error: lambdaError(
            'BuildSourceUnreachable',
            "git could not clone https://x/y.git: fatal: repository 'https://x/y.git/' not found",
          ),
        }),
      );
      const failed = await s.reload(run);
      expect(failed.hint).toMatch(/^Check the repository URL and that Wharf can reach it/);
      expect(failed.hintField).toBe('repository.url');

      const platform = await s.addRun(s.monolith, { status: 'building' });
      await s.failRun(
        s.stateOf(platform, { error: lambdaError('BuildPlatformFailed', 'no space left on device') }),
      );
      const reloaded = await s.reload(platform);
      expect(reloaded.hint).toMatch(/^Not your code: the build platform failed/);
      expect(reloaded.hintField).toBeUndefined();
    });

    it('takes a plain-text cause as it is', async () => {
      const s = setup();
      const run = await s.holding({ status: 'syncing' });
      await s.failRun(
        s.stateOf(run, { error: { Error: 'States.Timeout', Cause: 'Task timed out after 60.00 seconds' } }),
      );
      expect(await s.reload(run)).toMatchObject({
        failureReason: 'Task timed out after 60.00 seconds',
        hint: WORKFLOW_HINTS['States.Timeout'],
      });
    });

    it('falls back to the error’s name without a cause, and to the general hint for an unknown name', async () => {
      const s = setup();
      const run = await s.holding({ status: 'syncing' });
      await s.failRun(s.stateOf(run, { error: { Error: 'Lambda.Unknown' } }));
      expect(await s.reload(run)).toMatchObject({ failureReason: 'Lambda.Unknown', hint: FALLBACK_HINT });

      const bare = await s.addRun(s.monolith, { status: 'syncing' });
      await s.failRun(s.stateOf(bare));
      expect(await s.reload(bare)).toMatchObject({ failureReason: 'Error', hint: FALLBACK_HINT });
    });

    it('uses the hints it is given, not the workflow’s own', async () => {
      const s = setup({ hints: { 'Jenkins.Offline': 'Ask an operator to start Jenkins.' } });
      const run = await s.holding({ status: 'syncing' });
      await s.failRun(s.stateOf(run, { error: lambdaError('Jenkins.Offline', 'Jenkins did not answer.') }));
      expect(await s.reload(run)).toMatchObject({
        failureReason: 'Jenkins did not answer.',
        hint: 'Ask an operator to start Jenkins.',
      });
      const other = await s.addRun(s.monolith, { status: 'syncing' });
      await s.failRun(s.stateOf(other, { error: lambdaError('BuildFailed', 'exit 1') }));
      expect((await s.reload(other)).hint).toBe(FALLBACK_HINT);
    });
  });

  describe('the run', () => {
    it('ends failed, closing the running step as failed, and passes the turn on', async () => {
      const s = setup();
      const run = await s.holding({ status: 'syncing' });
      expect(
        await s.failRun(s.stateOf(run, { error: lambdaError('NoCommit', 'Nothing to record.') })),
      ).toBeUndefined();
      const after = await s.reload(run);
      expect(after.status).toBe('failed');
      expect(after.finishedAt).toEqual(expect.any(String));
      expect(after.steps.at(-1)).toMatchObject({ name: 'sync', status: 'failed' });
      expect((await s.env()).activeRunId).toBeUndefined();
    });

    it('fails a queued run that never held the turn, leaving the holder’s turn alone', async () => {
      const s = setup();
      const holder = await s.holding();
      const queued = await s.addRun();
      await s.failRun(
        s.stateOf(queued, { error: lambdaError('TurnTimedOut', 'Run r1 did not finish in time.') }),
      );
      expect((await s.reload(queued)).status).toBe('failed');
      expect((await s.env()).activeRunId).toBe(holder.id);
    });

    it('leaves a run that already ended as it is, and only passes the turn on', async () => {
      const s = setup();
      const run = await s.holding({
        status: 'rolled_back',
        buildId: 'b-1',
        failureReason: 'readiness probe failed',
      });
      await s.failRun(s.stateOf(run, { error: lambdaError('TransientError', 'Argo CD unavailable') }));
      expect(await s.reload(run)).toEqual(run);
      expect(s.log(run)).toEqual([]);
      expect(s.build.cancelled).toEqual([]);
      expect((await s.env()).activeRunId).toBeUndefined();
    });

    it('fails with RunNotFound for an unknown run', async () => {
      const s = setup();
      const run = await s.holding();
      expect(await failure(s.failRun(s.stateOf({ ...run, id: 'r-missing' })))).toMatchObject({
        name: 'RunNotFound',
      });
      expect((await s.env()).activeRunId).toBe(run.id);
    });
  });

  describe('the build', () => {
    it('cancels a build still running or pushing', async () => {
      const s = setup();
      for (const status of ['building', 'pushing'] as const) {
        const run = await s.addRun(s.monolith, { status, buildId: `b-${status}` });
        await s.failRun(s.stateOf(run, { error: lambdaError('BuildTimedOut', 'too slow') }));
        expect((await s.reload(run)).status).toBe('failed');
      }
      expect(s.build.cancelled).toEqual(['b-building', 'b-pushing']);
    });

    it('leaves a finished build alone, and fails the run when the build cannot be cancelled', async () => {
      const s = setup({
        build: {
          cancel: async () => {
            throw new Error('Jenkins is down');
          },
        },
      });
      const building = await s.addRun(s.monolith, { status: 'building', buildId: 'b-1' });
      await s.failRun(s.stateOf(building, { error: lambdaError('BuildTimedOut', 'too slow') }));
      expect(await s.reload(building)).toMatchObject({ status: 'failed', failureReason: 'too slow' });

      const plain = setup();
      const syncing = await plain.addRun(plain.monolith, { status: 'syncing', buildId: 'b-2' });
      await plain.failRun(plain.stateOf(syncing, { error: lambdaError('NoCommit', 'x') }));
      expect(plain.build.cancelled).toEqual([]);
      expect((await plain.reload(syncing)).status).toBe('failed');
    });
  });
});
