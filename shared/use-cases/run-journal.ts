import type { LogStream, Run, RunStatus, RunStep, StepName } from '../deploy.ts';
import { RUN_TRANSITIONS, TERMINAL_STATUSES } from '../deploy.ts';
import type { RunEventPublisher, RunLogStore, RunRepository } from '../deploy-ports.ts';
import { conflict, notFound } from '../errors.ts';
import type { Clock } from '../ports.ts';

export interface JournalDeps {
  runs: RunRepository;
  logs: RunLogStore;
  events: RunEventPublisher;
  clock: Clock;
  /** Told once per run, when its status becomes terminal (the run-finished metric). */
  finished?: ((run: Run) => void) | undefined;
}

export interface RunChange {
  status?: RunStatus;
  /** Start this step (closing the running one as succeeded). */
  step?: StepName;
  /** Close the running step with this outcome. */
  endStep?: RunStep['status'];
  set?: Partial<Omit<Run, 'id' | 'status' | 'steps'>>;
}

/**
 * Everything a run goes through is written here: status changes (conditional, legal transitions only,
 * with the step timeline), and log lines (stored in order, then pushed to whoever watches the run).
 */
export function makeRunJournal({ runs, logs, events, clock, finished }: JournalDeps) {
  async function log(
    run: Pick<Run, 'id' | 'workspaceId'>,
    text: string | string[],
    stream: LogStream = 'workflow',
  ) {
    // One stored line per line of text: the log viewer draws each line as one row, so a reason that
    // quotes an app's output over several lines would otherwise overlap the rows below it.
    const lines = (Array.isArray(text) ? text : [text])
      .flatMap((t) => t.replace(/\r?\n$/, '').split(/\r?\n/))
      .map((t) => ({ stream, text: t }));
    if (lines.length === 0) return;
    const stored = await logs.append(run.id, lines);
    await events.publish(
      { type: 'log', runId: run.id, lines: stored },
      { runId: run.id, workspaceId: run.workspaceId },
    );
  }

  function apply(run: Run, change: RunChange, now: string): Run {
    const steps = run.steps.map((s) => ({ ...s }));
    const running = steps.findLast((s) => s.status === 'running');
    if ((change.step || change.endStep) && running) {
      running.status = change.endStep ?? 'succeeded';
      running.endedAt = now;
    }
    if (change.step) steps.push({ name: change.step, status: 'running', startedAt: now });
    const status = change.status ?? run.status;
    return {
      ...run,
      ...change.set,
      status,
      steps,
      updatedAt: now,
      ...(TERMINAL_STATUSES.has(status) && !run.finishedAt ? { finishedAt: now } : {}),
    };
  }

  /**
   * Moves a run on. Legal transitions only; a change that was already applied (a task that runs twice)
   * returns the run as it is. Retries on a concurrent writer.
   */
  async function change(key: Pick<Run, 'projectId' | 'id'>, update: RunChange): Promise<Run> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const current = await runs.get(key.projectId, key.id);
      if (!current) throw notFound('run.not_found', `No run ${key.id}.`);
      if (
        update.status &&
        update.status !== current.status &&
        !RUN_TRANSITIONS[current.status].includes(update.status)
      ) {
        throw conflict(
          'run.illegal_transition',
          `Run ${current.id} is ${current.status}; it cannot become ${update.status}.`,
        );
      }
      const next = apply(current, update, clock.now().toISOString());
      if (await runs.replace(next, current)) {
        if (next.status !== current.status && TERMINAL_STATUSES.has(next.status)) finished?.(next);
        if (next.status !== current.status || update.step || update.endStep) {
          const audience = { runId: next.id, workspaceId: next.workspaceId };
          await events.publish(
            {
              type: 'status',
              runId: next.id,
              status: next.status,
              steps: next.steps,
              failureReason: next.failureReason,
              releaseId: next.releaseId,
            },
            audience,
          );
          await events.publish(
            {
              type: 'run',
              runId: next.id,
              projectId: next.projectId,
              workspaceId: next.workspaceId,
              status: next.status,
            },
            audience,
          );
        }
        return next;
      }
    }
    throw conflict('run.contended', `Run ${key.id} kept changing; try again.`);
  }

  return { log, change };
}

export type RunJournal = ReturnType<typeof makeRunJournal>;
