import { createHmac } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import {
  deployProjectDefinition,
  deployProjectTasks,
  deployProjectWaits,
} from '../functions/sfn/definition.ts';
import { liveMessageSchema } from '../shared/schemas/deployment.ts';
import type { DeployState } from '../shared/use-cases/workflow/contract.ts';
import { loadEvent } from './load.ts';

/** The samples stay what their source really sends; tests and `npm run invoke` rely on them. */
describe('sample events', () => {
  it('sfn/: each task input is the state the DeployProject state machine hands that task', async () => {
    const pollBuild = loadEvent<DeployState>('sfn', 'poll-build-input');
    const failRun = loadEvent<DeployState>('sfn', 'fail-run-input');
    const { turn, build, ...input } = pollBuild;
    const received: Record<string, unknown> = {};
    // Each task answers as its handler would (the state plus its result under its key, or a thrown error).
    const answers: Record<string, (state: DeployState) => unknown> = {
      StartRun: (state) => ({ ...state, turn }),
      TriggerBuild: (state) => ({ ...state, build }),
      PollBuild: () => {
        const cause = JSON.parse(failRun.error?.Cause ?? '{}') as { errorMessage: string };
        throw Object.assign(new Error(cause.errorMessage), { name: failRun.error?.Error });
      },
      FailRun: (state) => state,
    };
    const machine = new StateMachine(JSON.parse(deployProjectDefinition), {
      validationOptions: { checkArn: false },
    });
    const execution = machine.run(input as never, {
      overrides: {
        taskResourceLocalHandlers: Object.fromEntries(
          Object.keys(deployProjectTasks).map((task) => [
            task,
            async ({ Payload }: { Payload: DeployState }) => {
              received[task] = structuredClone(Payload);
              const answer = answers[task];
              if (!answer) throw new Error(`${task} was not expected in this path`);
              return { Payload: answer(Payload) };
            },
          ]),
        ) as never,
        waitTimeOverrides: Object.fromEntries(deployProjectWaits.map((w) => [w, 0])),
      },
      noThrowOnAbort: true,
    });
    await execution.result.catch(() => undefined);

    expect(received.PollBuild).toEqual(pollBuild);
    // Step Functions writes the Lambda error JSON as the Cause; the local runner writes the message.
    const { error, ...rest } = received.FailRun as DeployState;
    const { error: sampleError, ...sampleRest } = failRun;
    expect(rest).toEqual(sampleRest);
    expect(error?.Error).toBe(sampleError?.Error);
    expect(sampleError?.Cause).toContain(String(error?.Cause));
  });

  it('apigw-ws/: the message sample is one the live channel accepts', () => {
    const { body } = loadEvent<{ body: string }>('apigw-ws', 'message');
    expect(liveMessageSchema.safeParse(JSON.parse(body)).success).toBe(true);
  });

  it("github/: each delivery's signatures match its body under GitHub's documented example secret", () => {
    for (const name of ['push', 'ping']) {
      const { headers, body } = loadEvent<{ headers: Record<string, string>; body: unknown }>('github', name);
      const text = JSON.stringify(body);
      const sign = (algorithm: string) =>
        createHmac(algorithm, "It's a Secret to Everybody").update(text).digest('hex');
      expect(headers['X-Hub-Signature-256'], name).toBe(`sha256=${sign('sha256')}`);
      expect(headers['X-Hub-Signature'], name).toBe(`sha1=${sign('sha1')}`);
      expect(headers['X-GitHub-Event'], name).toBe(name);
    }
  });
});
