import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStepFunctions } from './local-step-functions.ts';
import {
  executionArnOf,
  formatDuration,
  readRunningStepFunctions,
  runSfnCommand,
  SfnCommandError,
} from './sfn-command.ts';
import {
  cdkSubstitution,
  makeTestHandlers,
  serveStepFunctions,
  sfnClient,
  testWorkflowDefinition,
  waitForExecution,
} from './testing/test-workflow.ts';

describe('npm run sfn', () => {
  let dataDir: string;
  let sfn: LocalStepFunctions;
  let server: Awaited<ReturnType<typeof serveStepFunctions>>;
  let client: SFNClient;
  let stateMachineArn: string;
  const run = (...args: string[]) => runSfnCommand(args, { client, stateMachineArn });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'wharf-sfn-cli-'));
    sfn = new LocalStepFunctions({ dataDir });
    ({ stateMachineArn } = sfn.registerStateMachine({
      name: 'wharf-deploy',
      definition: testWorkflowDefinition,
      taskHandlers: makeTestHandlers().taskHandlers,
      waitTimeOverrides: { WaitForBuild: 5 },
      retryIntervalOverrides: { StartRun: 1 },
    }));
    server = await serveStepFunctions(sfn);
    client = sfnClient(server.endpoint);
    for (const [name, scenario] of [
      ['run-ok', 'ok'],
      ['run-broken', 'broken'],
      ['run-flaky', 'flaky'],
    ]) {
      const { executionArn } = await client.send(
        new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify({ scenario }) }),
      );
      await waitForExecution(client, executionArn ?? '');
    }
  });

  afterAll(async () => {
    client?.destroy();
    await server?.close();
    await sfn?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('lists executions newest first with status, start and duration', async () => {
    const lines = (await run('list')).split('\n');
    expect(lines[0]).toBe('wharf-deploy');
    expect(lines[1]).toMatch(/^NAME\s+STATUS\s+STARTED\s+DURATION$/);
    expect(lines.slice(2).map((line) => line.split(/\s+/).slice(0, 2))).toEqual([
      ['run-flaky', 'SUCCEEDED'],
      ['run-broken', 'FAILED'],
      ['run-ok', 'SUCCEEDED'],
    ]);
    expect(lines[2]).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+\d+ ms$/);

    expect(await run('list', '--status', 'failed')).toContain('run-broken');
    expect(await run('list', '--status', 'failed')).not.toContain('run-ok');
    expect(await run('list', '--status', 'RUNNING')).toBe('No RUNNING executions of wharf-deploy yet.');
    const limited = await run('list', '--limit', '1');
    expect(limited).toContain('run-flaky');
    expect(limited).not.toContain('run-ok');
    expect(limited).toContain('`--limit N` shows more');
  });

  it('describes an execution: status, input and output, or error and cause', async () => {
    const ok = await run('describe', 'run-ok');
    expect(ok).toMatch(/^Execution run-ok\nStatus {4}SUCCEEDED\n/);
    expect(ok).toContain(`ARN       ${executionArnOf(stateMachineArn, 'run-ok')}`);
    expect(ok).toContain('Input\n  {\n    "scenario": "ok"\n  }');
    expect(ok).toContain('Output\n  {\n    "status": "deployed",\n    "runId": "run-run-ok"\n  }');

    const broken = await run('describe', 'run-broken');
    expect(broken).toContain('Status    FAILED');
    expect(broken).toContain('Error     RunFailed');
    expect(broken).toContain('Cause\n  The run ended in failure');
    expect(broken).not.toContain('Output');
  });

  it('prints the history: id, time offset, type, state and a short detail', async () => {
    const lines = (await run('history', 'run-flaky')).split('\n');
    expect(lines[0]).toMatch(/^Started \d{4}-.*offsets from the start\.$/);
    expect(lines[1]).toMatch(/^ID\s+TIME\s+TYPE\s+STATE\s+DETAIL$/);
    const rows = lines.slice(2).map((line) => line.split(/\s{2,}/));
    expect(rows[0]).toEqual(['1', '+0.000s', 'ExecutionStarted', '{"scenario":"flaky"}']);
    expect(rows[2]).toEqual([
      '3',
      expect.stringMatching(/^\+\d+\.\d{3}s$/),
      'TaskScheduled',
      'StartRun',
      `lambda:invoke ${cdkSubstitution('StartRunFunctionArn')}`,
    ]);
    expect(rows[4]).toEqual([
      '5',
      expect.any(String),
      'TaskFailed',
      'StartRun',
      'TransientError: Jenkins is busy (attempt 1)',
    ]);
    expect(rows.at(-1)?.[2]).toBe('ExecutionSucceeded');
  });

  it('says so when the execution does not exist or the command is wrong', async () => {
    await expect(run('describe', 'no-such-run')).rejects.toThrow(
      "No execution named 'no-such-run' in wharf-deploy. `npm run sfn -- list` shows the recent ones.",
    );
    await expect(run('history', 'no-such-run')).rejects.toThrow("No execution named 'no-such-run'");
    await expect(run('describe')).rejects.toMatchObject({ exitCode: 2 });
    await expect(run('frobnicate')).rejects.toThrow("Unknown command 'frobnicate'");
  });

  it('says so when the stack is not running', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'wharf-sfn-cli-empty-'));
    try {
      await expect(readRunningStepFunctions(empty)).rejects.toThrow(
        'Wharf is not running here: start it with `npm start` (in another terminal) first.',
      );
      await writeFile(join(empty, 'stack.json'), JSON.stringify({ url: 'http://localhost:1' }));
      await expect(readRunningStepFunctions(empty)).rejects.toThrow('has no Step Functions endpoint');
      await writeFile(
        join(empty, 'stack.json'),
        JSON.stringify({ stepFunctionsEndpoint: server.endpoint, stateMachineArn }),
      );
      expect(await readRunningStepFunctions(empty)).toEqual({
        stepFunctionsEndpoint: server.endpoint,
        stateMachineArn,
      });
    } finally {
      await rm(empty, { recursive: true, force: true });
    }

    const closed = await serveStepFunctions(sfn);
    await closed.close();
    const unreachable = new SFNClient({
      endpoint: closed.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    try {
      const attempt = runSfnCommand(['list'], { client: unreachable, stateMachineArn });
      await expect(attempt).rejects.toBeInstanceOf(SfnCommandError);
      await expect(attempt).rejects.toThrow('Wharf is not answering: is `npm start` still running?');
    } finally {
      unreachable.destroy();
    }
  });

  it('formats durations for reading', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_345)).toBe('12.3 s');
    expect(formatDuration(184_000)).toBe('3m 04s');
    expect(formatDuration(3_725_000)).toBe('1h 02m');
  });
});
