import { describe, expect, it } from 'vitest';
import { formatIssue } from './common.ts';
import { deployRequestSchema } from './deployment.ts';
import { projectSchemas } from './project.ts';

const { create, update } = projectSchemas('cloud');

const firstError = (schema: { safeParse(body: unknown): any }, body: unknown) => {
  const r = schema.safeParse(body);
  if (r.success) return undefined;
  return formatIssue(r.error.issues[0]);
};

const monolith = (over: Record<string, unknown> = {}) => ({
  name: 'web',
  type: 'monolith',
  repository: { url: 'https://github.com/acme/web.git', branch: 'main' },
  port: 3000,
  ...over,
});
const withEnv = (env: unknown[]) => monolith({ env });

/** Characters that reorder how text is displayed: a branch that reads "main" may be something else. */
const BIDI = [
  '\u202A',
  '\u202B',
  '\u202C',
  '\u202D',
  '\u202E',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
  '\u200E',
  '\u200F',
];

describe('control characters in variables', () => {
  it.each([
    ['NUL', 'A\u0000B'],
    ['escape', 'A\u001bB'],
    ['DEL', 'A\u007fB'],
    ['C1 control', 'A\u0085B'],
  ])('rejects a %s in a variable name, naming the field', (_what, name) => {
    const error = firstError(create, withEnv([{ name, value: 'x' }]));
    expect(error?.field).toBe('env.0.name');
    expect(error?.message).toBe('env.0.name must not contain control characters (such as NUL)');
  });

  it.each([
    ['NUL', 'abc\u0000def'],
    ['escape', '\u001b[31mred'],
    ['backspace', 'abc\u0008'],
    ['DEL', 'abc\u007f'],
    ['C1 control', 'abc\u009b31m'],
  ])('rejects a %s in a plain or secret value, naming the field', (_what, value) => {
    for (const secret of [false, true]) {
      const error = firstError(
        create,
        withEnv([
          { name: 'OK', value: 'fine' },
          { name: 'TOKEN', value, secret },
        ]),
      );
      expect(error?.field).toBe('env.1.value');
      expect(error?.message).toContain('env.1.value must not contain control characters');
    }
  });

  it('keeps tabs and line breaks in values (PEM keys, multi-line config)', () => {
    const pem = '-----BEGIN KEY-----\r\nabc\tdef\n-----END KEY-----\n';
    expect(create.safeParse(withEnv([{ name: 'KEY', value: pem, secret: true }])).success).toBe(true);
    expect(create.safeParse(withEnv([{ name: 'GREETING', value: 'שלום \u200F world' }])).success).toBe(true);
  });

  it('checks PATCH bodies the same way', () => {
    const error = firstError(update.monolith, { env: [{ name: 'A', value: 'x\u0000' }] });
    expect(error?.field).toBe('env.0.value');
  });
});

describe('branch names with control or bidi characters', () => {
  it.each(BIDI.map((c) => [`U+${c.charCodeAt(0).toString(16).toUpperCase()}`, c]))(
    'rejects %s in the repository branch and the deploy branch',
    (_code, c) => {
      for (const branch of [`main${c}`, `${c}main`, `feature/${c}x`]) {
        const project = firstError(
          create,
          monolith({ repository: { url: 'https://github.com/a/b', branch } }),
        );
        expect(project?.field).toBe('repository.branch');
        expect(project?.message).toBe(
          'repository.branch must not contain invisible bidirectional control characters (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F)',
        );
        const deploy = firstError(deployRequestSchema, { branch });
        expect(deploy?.field).toBe('branch');
        expect(deploy?.message).toContain('branch must not contain invisible bidirectional control');
      }
    },
  );

  it('rejects NUL and other control characters in branches with their own message', () => {
    for (const branch of ['main\u0000', 'ma\u0085in', 'ma\u001bin']) {
      expect(firstError(deployRequestSchema, { branch })?.message).toBe(
        'branch must not contain control characters (such as NUL)',
      );
    }
  });

  it('rejects a commit with bidi or control characters', () => {
    for (const commit of ['abcdef1\u202E', '\u2066abcdef1', 'abcdef1\u0000']) {
      expect(firstError(deployRequestSchema, { commit })?.field).toBe('commit');
    }
  });

  it('still accepts ordinary and non-ASCII branch names', () => {
    for (const branch of ['main', 'release/1.2', 'feature/ünïcode', 'fix/日本語']) {
      expect(deployRequestSchema.safeParse({ branch }).success, branch).toBe(true);
    }
  });
});
