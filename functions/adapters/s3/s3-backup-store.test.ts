import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySigV4 } from '../../../infra/local/sigv4.ts';
import { S3BackupStore } from './s3-backup-store.ts';

/**
 * Against an HTTP fake of S3's ListObjectsV2 as the S3 API reference describes it: path-style
 * `GET /<bucket>?list-type=2&prefix=…`, a `ListBucketResult` XML answer of at most `max-keys` objects,
 * `IsTruncated` and `NextContinuationToken` for the next page, keys URL-encoded with encoding-type=url.
 */

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const objects = [
  { key: 'w1/p1/production/20261201T030000Z.sql.gz', size: 100 },
  { key: 'w1/p1/production/20261202T030000Z.sql.gz', size: 200 },
  { key: 'w1/p1/production/20261203T030000Z.sql.gz', size: 300 },
  { key: 'w1/p1/production/20261203T040000Z.sql.gz.partial', size: 5 },
  { key: 'w1/p1/production/nested/20261204T030000Z.sql.gz', size: 1 },
  { key: 'w1/p1/staging/20261204T030000Z.sql.gz', size: 9 },
];
const PAGE = 2;

describe('S3 backup store', () => {
  let server: Server;
  let endpoint: string;
  const requests: Array<{ url: URL; refusal: unknown }> = [];

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      const url = new URL(req.url ?? '/', 'http://s3.local');
      const refusal = verifySigV4(
        { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: Buffer.alloc(0) },
        { credentials, region: 'eu-west-1', service: 's3' },
      );
      requests.push({ url, refusal });
      if (refusal) {
        res.writeHead(403).end('<Error><Code>SignatureDoesNotMatch</Code></Error>');
        return;
      }
      if (url.pathname !== '/wharf-backups') {
        res
          .writeHead(404)
          .end(
            '<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>',
          );
        return;
      }
      const prefix = url.searchParams.get('prefix') ?? '';
      const matching = objects.filter((o) => o.key.startsWith(prefix));
      const start = Number(url.searchParams.get('continuation-token')?.replace('token-', '') ?? 0);
      const page = matching.slice(start, start + PAGE);
      const more = start + PAGE < matching.length;
      res.writeHead(200, { 'content-type': 'application/xml' }).end(
        `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>wharf-backups</Name><Prefix>${encodeURIComponent(prefix)}</Prefix><KeyCount>${page.length}</KeyCount>
  <MaxKeys>${PAGE}</MaxKeys><EncodingType>url</EncodingType><IsTruncated>${more}</IsTruncated>
  ${page
    .map(
      (o) =>
        `<Contents><Key>${encodeURIComponent(o.key)}</Key><LastModified>2026-12-04T03:00:00.000Z</LastModified><ETag>&quot;abc&quot;</ETag><Size>${o.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
    )
    .join('\n  ')}
  ${more ? `<NextContinuationToken>token-${start + PAGE}</NextContinuationToken>` : ''}
</ListBucketResult>`,
      );
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it('lists every page of the environment’s prefix with a valid signature, newest first', async () => {
    requests.length = 0;
    const store = new S3BackupStore({ bucket: 'wharf-backups', region: 'eu-west-1', endpoint, credentials });
    expect(await store.list('w1', 'p1', 'production')).toEqual([
      {
        key: 'w1/p1/production/20261203T030000Z.sql.gz',
        createdAt: '2026-12-03T03:00:00.000Z',
        sizeBytes: 300,
      },
      {
        key: 'w1/p1/production/20261202T030000Z.sql.gz',
        createdAt: '2026-12-02T03:00:00.000Z',
        sizeBytes: 200,
      },
      {
        key: 'w1/p1/production/20261201T030000Z.sql.gz',
        createdAt: '2026-12-01T03:00:00.000Z',
        sizeBytes: 100,
      },
    ]);
    // 5 keys under the prefix, 2 a page: three requests, each signed and each with the prefix.
    expect(requests.map((r) => r.refusal)).toEqual([undefined, undefined, undefined]);
    expect(requests.map((r) => r.url.searchParams.get('continuation-token'))).toEqual([
      null,
      'token-2',
      'token-4',
    ]);
    expect(requests.every((r) => r.url.searchParams.get('list-type') === '2')).toBe(true);
    expect(requests.every((r) => r.url.searchParams.get('prefix') === 'w1/p1/production/')).toBe(true);
  });

  it('shows keys as s3:// locations', () => {
    const store = new S3BackupStore({ bucket: 'wharf-backups', region: 'eu-west-1', endpoint, credentials });
    expect(store.location('w1/p1/production/20261203T030000Z.sql.gz')).toBe(
      's3://wharf-backups/w1/p1/production/20261203T030000Z.sql.gz',
    );
  });

  it('says which setting and grant to check when S3 refuses', async () => {
    const store = new S3BackupStore({ bucket: 'missing-bucket', region: 'eu-west-1', endpoint, credentials });
    await expect(store.list('w1', 'p1', 'production')).rejects.toThrow(
      'Listing backups in s3://missing-bucket/w1/p1/production/ failed: NoSuchBucket. Check WHARF_BACKUP_BUCKET',
    );
  });
});
