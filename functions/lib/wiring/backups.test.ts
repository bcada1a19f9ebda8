import { afterEach, describe, expect, it, vi } from 'vitest';

/** Which backup store a function gets in AWS, from its settings alone (a cold start each time). */
const saved = { ...process.env };
async function coldStart(settings: Record<string, string>) {
  vi.resetModules();
  for (const name of Object.keys(process.env)) if (name.startsWith('WHARF_')) delete process.env[name];
  Object.assign(process.env, { WHARF_MODE: 'cloud', AWS_REGION: 'eu-west-1', ...settings });
  return (await import('./backups.ts')).backupStore();
}

afterEach(() => {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
  vi.resetModules();
});

describe('the backup store port in AWS', () => {
  it('is the S3 bucket WHARF_BACKUP_BUCKET names', async () => {
    const store = await coldStart({ WHARF_BACKUP_BUCKET: 'acme-wharf-backups' });
    expect(store.location('w1/p1/production/20261204T030000Z.sql.gz')).toBe(
      's3://acme-wharf-backups/w1/p1/production/20261204T030000Z.sql.gz',
    );
  });

  it('says the installation keeps no backups (503) when no bucket is set, instead of failing the function', async () => {
    const store = await coldStart({});
    await expect(store.list('w1', 'p1', 'production')).rejects.toMatchObject({
      kind: 'unavailable',
      code: 'backup.not_configured',
      message: expect.stringMatching(/backupBucket in the stage config \(WHARF_BACKUP_BUCKET\)/),
    });
  });
});
