import { describe, expect, it } from 'vitest';
import {
  CALLBACK_TASKS,
  CHOICE_VALUES,
  DEPLOY_TASKS,
  INPUT_CHOICE_KEYS,
  RETRIED_ERRORS,
  TASK_RESULT_KEYS,
  WORKFLOW_ERRORS,
} from '../../shared/use-cases/workflow/contract.ts';
import { deployProjectDefinition } from './definition.ts';

/**
 * The ASL against the task contract (shared/use-cases/workflow/contract.ts): a task state the
 * contract does not know, a Choice on a key no task writes or on a value it never takes, or an error
 * name no task raises fails here, naming the state.
 */

interface AslState {
  Type: string;
  Parameters?: Record<string, unknown>;
  OutputPath?: string;
  ResultPath?: string;
  Retry?: Array<{ ErrorEquals: string[] }>;
  Catch?: Array<{ ErrorEquals: string[]; ResultPath?: string }>;
  Choices?: Array<Record<string, unknown>>;
  Error?: string;
}

const definition = JSON.parse(deployProjectDefinition) as { States: Record<string, AslState> };
const states = Object.entries(definition.States);
const taskStates = states.filter(([, s]) => s.Type === 'Task');
const choiceStates = states.filter(([, s]) => s.Type === 'Choice');

/** The state keys the tasks write, `error`, which every Catch writes, and the input keys Choices read. */
const writtenKeys = new Set<string>([
  ...Object.values(TASK_RESULT_KEYS).filter((k): k is NonNullable<typeof k> => k !== null),
  'error',
  ...INPUT_CHOICE_KEYS,
]);

const COMPARATORS = ['StringEquals', 'BooleanEquals'] as const;
const callbackTasks: ReadonlySet<string> = new Set(CALLBACK_TASKS);
const invokeTaskStates = taskStates.filter(([name]) => !callbackTasks.has(name));
const callbackTaskStates = taskStates.filter(([name]) => callbackTasks.has(name));

/** Every leaf comparison of a Choice rule (And/Or/Not nest them). */
function comparisons(rule: Record<string, unknown>): Array<Record<string, unknown>> {
  const nested = ['And', 'Or'].flatMap((op) =>
    Array.isArray(rule[op]) ? (rule[op] as Array<Record<string, unknown>>).flatMap(comparisons) : [],
  );
  const not = rule.Not ? comparisons(rule.Not as Record<string, unknown>) : [];
  return rule.Variable ? [rule, ...nested, ...not] : [...nested, ...not];
}

/** Ours, the retried ones, and Step Functions' timeout (a callback task that is never answered). */
const knownErrors = new Set<string>([...Object.values(WORKFLOW_ERRORS), ...RETRIED_ERRORS, 'States.Timeout']);

describe('the DeployProject ASL and the task contract', () => {
  it('has exactly the contract’s task states', () => {
    expect(taskStates.map(([name]) => name).sort()).toEqual([...DEPLOY_TASKS].sort());
  });

  it.each(invokeTaskStates)(
    '%s hands the whole state to its task and keeps what the task returns',
    (name, state) => {
      expect(state.Parameters?.['Payload.$'], `${name}: Payload.$`).toBe('$');
      expect(state.OutputPath, `${name}: OutputPath`).toBe('$.Payload');
      expect(
        state.ResultPath,
        `${name}: ResultPath (the task merges its result under its key)`,
      ).toBeUndefined();
    },
  );

  it.each(callbackTaskStates)(
    '%s hands the state and its task token over, and stores the callback’s output under its key',
    (name, state) => {
      expect(state.Parameters?.Payload, `${name}: Payload`).toMatchObject({
        'state.$': '$',
        'taskToken.$': '$$.Task.Token',
      });
      expect(state.OutputPath, `${name}: OutputPath`).toBeUndefined();
      const key = TASK_RESULT_KEYS[name as keyof typeof TASK_RESULT_KEYS];
      expect(state.ResultPath, `${name}: ResultPath`).toBe(key === null ? null : `$.${key}`);
    },
  );

  it.each(taskStates)('%s retries exactly the transient errors and catches into $.error', (name, state) => {
    expect(
      state.Retry?.map((r) => [...r.ErrorEquals].sort()),
      `${name}: Retry`,
    ).toEqual([[...RETRIED_ERRORS].sort()]);
    for (const c of state.Catch ?? []) {
      for (const error of c.ErrorEquals) {
        expect(
          error === 'States.ALL' || knownErrors.has(error),
          `${name}: Catch on unknown error ${error}`,
        ).toBe(true);
      }
      expect(c.ResultPath, `${name}: Catch ResultPath`).toBe('$.error');
    }
  });

  it.each(choiceStates)('%s branches only on values a task returns', (name, state) => {
    for (const rule of (state.Choices ?? []).flatMap(comparisons)) {
      const variable = String(rule.Variable);
      const key = /^\$\.([A-Za-z]+)(\.|$)/.exec(variable)?.[1];
      expect(key && writtenKeys.has(key), `${name}: no task writes ${variable}`).toBe(true);
      const allowed = CHOICE_VALUES[variable];
      expect(allowed, `${name}: ${variable} is not in the contract's CHOICE_VALUES`).toBeDefined();
      // A presence test guards an optional input key; it compares no value.
      if ('IsPresent' in rule) continue;
      const comparator = COMPARATORS.find((c) => c in rule);
      expect(
        comparator,
        `${name}: ${variable} is compared with an operator the contract does not cover`,
      ).toBeDefined();
      expect(allowed, `${name}: ${variable} never takes ${String(rule[comparator as string])}`).toContain(
        rule[comparator as string],
      );
    }
  });
});
