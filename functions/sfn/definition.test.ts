import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_APPROVAL_TIMEOUT_SECONDS,
  deployProjectDefinition,
  deployProjectDefinitionFor,
  deployProjectTasks,
  deployProjectWaits,
  functionArnVariable,
} from './definition.ts';

const require = createRequire(import.meta.url);
const aslValidator = require('asl-validator') as (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errors: Array<{ message: string }> };

const definition = JSON.parse(deployProjectDefinition) as {
  States: Record<
    string,
    {
      Type: string;
      Parameters?: { FunctionName?: string };
      Catch?: unknown[];
      Next?: string;
      Retry?: unknown[];
    }
  >;
};
const states = Object.entries(definition.States);

describe('the DeployProject definition', () => {
  it('is valid Amazon States Language', () => {
    const result = aslValidator(definition);
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it('is accepted by aws-local-stepfunctions (JSONPath only, no JSONata)', () => {
    expect(
      () => new StateMachine(definition as never, { validationOptions: { checkArn: false } }),
    ).not.toThrow();
    expect(deployProjectDefinition).not.toContain('JSONata');
  });

  it('maps every task state to a handler module and a function ARN variable', () => {
    const tasks = states.filter(([, s]) => s.Type === 'Task');
    expect(tasks.map(([name]) => name).sort()).toEqual(Object.keys(deployProjectTasks).sort());
    for (const [name, state] of tasks) {
      const module = deployProjectTasks[name as keyof typeof deployProjectTasks];
      expect(existsSync(new URL(`../${module}.ts`, import.meta.url)), module).toBe(true);
      expect(state.Parameters?.FunctionName).toBe(
        `\${${functionArnVariable(name as keyof typeof deployProjectTasks)}}`,
      );
    }
  });

  it('retries transient errors on every task and routes every failure to FailRun', () => {
    for (const [name, state] of states.filter(([, s]) => s.Type === 'Task')) {
      expect(state.Retry, name).toBeDefined();
      if (name === 'AwaitApproval') {
        // A rejection or an expiry cancels the run; anything else fails it.
        expect(state.Catch, name).toEqual([
          {
            ErrorEquals: ['ApprovalRejected', 'States.Timeout'],
            ResultPath: '$.error',
            Next: 'EndUnapprovedRun',
          },
          { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'FailRun' },
        ]);
      } else if (name !== 'FailRun')
        expect(state.Catch, name).toEqual([
          { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'FailRun' },
        ]);
    }
    expect(definition.States.FailRun?.Next).toBe('Failed');
  });

  it('bounds every loop with a Wait state the local stack can shorten', () => {
    const waits = states.filter(([, s]) => s.Type === 'Wait').map(([n]) => n);
    expect(waits.sort()).toEqual([...deployProjectWaits].sort());
    expect((definition as unknown as { TimeoutSeconds: number }).TimeoutSeconds).toBeGreaterThan(0);
  });
});

describe('the approval wait', () => {
  type Approval = {
    TimeoutSeconds: number;
    States: Record<string, { TimeoutSeconds?: number; Parameters?: { Payload?: Record<string, unknown> } }>;
  };
  const parsed = (text: string) => JSON.parse(text) as Approval;

  it('waits 24 h by default, and the execution outlasts the wait', () => {
    const d = parsed(deployProjectDefinitionFor({}));
    expect(d.States.AwaitApproval?.TimeoutSeconds).toBe(DEFAULT_APPROVAL_TIMEOUT_SECONDS);
    expect(d.States.AwaitApproval?.Parameters?.Payload?.timeoutSeconds).toBe(86_400);
    expect(d.TimeoutSeconds).toBeGreaterThan(86_400);
    expect(deployProjectDefinitionFor({})).toBe(deployProjectDefinition);
  });

  it('takes the stage’s timeout in the state, its payload and the execution bound', () => {
    const d = parsed(deployProjectDefinitionFor({ approvalTimeoutSeconds: 30 }));
    expect(d.States.AwaitApproval?.TimeoutSeconds).toBe(30);
    expect(d.States.AwaitApproval?.Parameters?.Payload?.timeoutSeconds).toBe(30);
    expect(d.TimeoutSeconds).toBe(14_400 + 30);
    expect(aslValidator(d).errors).toEqual([]);
    expect(() => deployProjectDefinitionFor({ approvalTimeoutSeconds: 0 })).toThrow(/approval timeout/);
  });

  it('passes the execution state, the task token and the timeout to AwaitApproval', () => {
    expect(definition.States.AwaitApproval).toMatchObject({
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { Payload: { 'state.$': '$', 'taskToken.$': '$$.Task.Token' } },
      ResultPath: '$.approval',
      Next: 'StartRun',
    });
    expect(definition.States.AwaitApproval).not.toHaveProperty('OutputPath');
  });
});
