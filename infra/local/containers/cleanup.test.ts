import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { removeStackContainers } from './cleanup.ts';
import { containerEnvironment, missingContainerTools } from './environment.ts';

const exec = promisify(execFile);
const missing = await missingContainerTools();

describe.skipIf(missing.length > 0)(
  `--fresh in container mode${missing.length ? ` (skipped: ${missing.join(', ')} not installed)` : ''}`,
  () => {
    let dataDir: string | undefined;
    let env: Record<string, string> = {};
    const podman = (...args: string[]) => exec('podman', args, { env: { ...process.env, ...env } });
    afterAll(async () => {
      if (!dataDir) return;
      await podman('pod', 'rm', '-af').catch(() => undefined);
      await podman('volume', 'rm', '-af').catch(() => undefined);
      await podman('network', 'prune', '-f').catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
    });

    it("removes the stack's pods, volumes and networks through its own settings", async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'wharf-fresh-'));
      ({ env } = await containerEnvironment(dataDir));
      await podman('volume', 'create', 'data-db-0');
      await podman('pod', 'create', '--infra=false', '--name', 'web-pod');
      await podman('network', 'create', 'wharf-test-net');
      await removeStackContainers(dataDir);
      expect((await podman('volume', 'ls', '-q')).stdout.trim()).toBe('');
      expect((await podman('pod', 'ls', '-q')).stdout.trim()).toBe('');
      expect((await podman('network', 'ls', '--format', '{{.Name}}')).stdout.trim()).toBe('podman');
    }, 60_000);

    it('does nothing for a data folder without container settings', async () => {
      const empty = await mkdtemp(join(tmpdir(), 'wharf-fresh-'));
      await removeStackContainers(empty);
      await rm(empty, { recursive: true, force: true });
    });
  },
);
