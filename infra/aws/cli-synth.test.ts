import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './paths.ts';

const run = promisify(execFile);
let outdir: string | undefined;

afterAll(async () => {
  if (outdir) await rm(outdir, { recursive: true, force: true });
});

/**
 * The real CLI on the real entry point (cdk.json → infra/aws/app.ts), offline: no AWS account, no
 * Docker, no lookups. cdk-nag runs inside, so an unacknowledged finding fails this too.
 * About a minute on 2 cores (it bundles every function again).
 */
describe('npx cdk synth -c stage=test', () => {
  it('synthesizes the four stacks with no credentials and no network', { timeout: 240_000 }, async () => {
    outdir = await mkdtemp(join(tmpdir(), 'wharf-cdk-out-'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      // No credentials and no way out: the synth must not need either.
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_PROFILE: 'wharf-none',
      AWS_EC2_METADATA_DISABLED: 'true',
      HTTPS_PROXY: 'http://127.0.0.1:9',
      HTTP_PROXY: 'http://127.0.0.1:9',
      CDK_DISABLE_VERSION_CHECK: 'true',
    };
    const { stderr } = await run(
      'npx',
      ['cdk', 'synth', '-q', '-c', 'stage=test', '--no-notices', '--no-version-reporting', '-o', outdir],
      { cwd: repoRoot, env, timeout: 230_000, maxBuffer: 64 * 1024 * 1024 },
    );
    const templates = (await readdir(outdir)).filter((f) => f.endsWith('.template.json')).sort();
    expect(templates, stderr).toEqual([
      'Wharf-test-Api.template.json',
      'Wharf-test-Stateful.template.json',
      'Wharf-test-Web.template.json',
      'Wharf-test-Workflow.template.json',
    ]);
    const manifest = JSON.parse(await readFile(join(outdir, 'manifest.json'), 'utf8'));
    expect(manifest.artifacts['Wharf-test-Stateful'].properties.terminationProtection).toBe(true);
  });
});
