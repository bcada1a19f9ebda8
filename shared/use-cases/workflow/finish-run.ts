import type { DeployTurnRepository, RunRepository } from '../../deploy-ports.ts';
import type { RunJournal } from '../run-journal.ts';
import type { DeployTaskFn } from './contract.ts';
import { finishTurn, loadRun } from './run-context.ts';

export interface FinishRunPorts {
  runs: RunRepository;
  turns: Pick<DeployTurnRepository, 'releaseTurn'>;
  journal: RunJournal;
}

/** FinishRun: deployed; the environment's turn passes on. */
export function makeFinishRun({ runs, turns, journal }: FinishRunPorts) {
  const finishRun: DeployTaskFn<'FinishRun'> = async (state) => {
    let run = await loadRun(runs, state);
    if (run.status !== 'deployed') {
      run = await journal.change(run, { status: 'deployed', endStep: 'succeeded' });
      const url = run.pendingRelease?.liveUrl;
      await journal.log(run, `✔ Deployed release ${run.pendingRelease?.number}${url ? `: ${url}` : ''}`);
    }
    await finishTurn(turns, run);
    return undefined;
  };
  return finishRun;
}
