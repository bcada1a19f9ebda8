import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import {
  deployProjectDefinition,
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
      if (name !== 'FailRun')
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
