import { describe, expect, it } from 'vitest';
import { backupDestination, ingressHostOf } from './platform.ts';

describe('backupDestination', () => {
  it('writes to the S3 bucket through the wharf-backup service account in AWS', () => {
    expect(
      backupDestination({
        WHARF_MODE: 'cloud',
        WHARF_BACKUP_BUCKET: 'acme-backups',
        AWS_REGION: 'eu-west-1',
      }),
    ).toEqual({ kind: 's3', bucket: 'acme-backups', serviceAccount: 'wharf-backup', region: 'eu-west-1' });
    expect(
      backupDestination({
        WHARF_MODE: 'cloud',
        WHARF_BACKUP_BUCKET: 'acme-backups',
        WHARF_BACKUP_SERVICE_ACCOUNT: 'db-backup',
      }),
    ).toEqual({ kind: 's3', bucket: 'acme-backups', serviceAccount: 'db-backup' });
  });

  it('writes to <data dir>/backups on the local platform, as an absolute host path', () => {
    expect(backupDestination({ WHARF_MODE: 'local', WHARF_DATA_DIR: '/srv/wharf/.wharf' })).toEqual({
      kind: 'hostPath',
      path: '/srv/wharf/.wharf/backups',
    });
    const relative = backupDestination({ WHARF_MODE: 'local', WHARF_DATA_DIR: '.wharf' });
    expect(relative).toEqual({ kind: 'hostPath', path: `${process.cwd()}/.wharf/backups` });
  });

  it('renders no backups in AWS without a bucket', () => {
    expect(backupDestination({ WHARF_MODE: 'cloud', WHARF_DATA_DIR: '/tmp/x' })).toBeUndefined();
  });
});

describe('ingressHostOf', () => {
  it("is the operator's load balancer name, else the platform domain (locally the gateway's host)", () => {
    expect(ingressHostOf({ WHARF_INGRESS_HOST: 'lb-1.elb.amazonaws.com' }, 'apps.example.com')).toBe(
      'lb-1.elb.amazonaws.com',
    );
    expect(ingressHostOf({}, 'localhost')).toBe('localhost');
  });
});
