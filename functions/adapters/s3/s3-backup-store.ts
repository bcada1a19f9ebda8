import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  Checksum,
  SourceData,
} from '@smithy/types';
import { backupPrefix, backupTakenAt } from '../../../shared/backup-keys.ts';
import type { Environment } from '../../../shared/naming.ts';
import type { BackupStore, StoredBackup } from '../../../shared/ports.ts';

/**
 * The platform's backup bucket in S3, listed with ListObjectsV2 (GET `?list-type=2&prefix=…`, paged
 * by continuation token, at most 1,000 keys a page). The backup CronJobs write it through their
 * service account; the control plane only lists, so it needs `s3:ListBucket` on the bucket (for the
 * prefix) and nothing else.
 *
 * `@aws-sdk/client-s3` is not among this repository's dependencies, so the request is signed here
 * with the SDK's own SigV4 signer and credential chain (both already installed with the other AWS
 * clients), and the XML answer is read for the three fields the listing needs.
 */

export interface S3BackupStoreOptions {
  bucket: string;
  region: string;
  /** Path-style endpoint instead of `https://<bucket>.s3.<region>.amazonaws.com` (tests, S3-compatible stores). */
  endpoint?: string | undefined;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined;
  fetch?: typeof fetch;
}

/** SHA-256 (and its HMAC) for the signer, from node:crypto. */
class Sha256 implements Checksum {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh() {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(this.secret));
  }
  update(data: Uint8Array) {
    this.hash.update(data);
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
  reset() {
    this.hash = this.fresh();
  }
}

const toBuffer = (data: SourceData) =>
  typeof data === 'string'
    ? Buffer.from(data)
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const xmlText = (text: string) =>
  text.replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => XML_ENTITIES[name] ?? '');
const element = (xml: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

export class S3BackupStore implements BackupStore {
  private readonly signer: SignatureV4;
  private readonly base: URL;
  private readonly pathStyle: boolean;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: S3BackupStoreOptions) {
    this.signer = new SignatureV4({
      service: 's3',
      region: options.region,
      credentials: options.credentials ?? defaultProvider(),
      sha256: Sha256,
      // S3 signs the path as sent, not encoded twice like other services.
      uriEscapePath: false,
    });
    this.pathStyle = options.endpoint !== undefined;
    this.base = new URL(options.endpoint ?? `https://${options.bucket}.s3.${options.region}.amazonaws.com`);
    this.fetch = options.fetch ?? fetch;
  }

  async list(workspaceId: string, projectId: string, environment: Environment): Promise<StoredBackup[]> {
    const prefix = backupPrefix(workspaceId, projectId, environment);
    const found: StoredBackup[] = [];
    let token: string | undefined;
    do {
      const page = await this.listPage(prefix, token);
      for (const object of page.objects) {
        const name = object.key.slice(prefix.length);
        const createdAt = backupTakenAt(name);
        // Only files directly in the environment's folder, named as the CronJob names them.
        if (!createdAt || name.includes('/') || object.size === 0) continue;
        found.push({ key: object.key, createdAt, sizeBytes: object.size });
      }
      token = page.nextToken;
    } while (token);
    return found.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  location(key: string): string {
    return `s3://${this.options.bucket}/${key}`;
  }

  private async listPage(prefix: string, continuationToken: string | undefined) {
    const query: Record<string, string> = { 'list-type': '2', prefix, 'encoding-type': 'url' };
    if (continuationToken) query['continuation-token'] = continuationToken;
    const path = this.pathStyle ? `/${this.options.bucket}` : '/';
    const signed = await this.signer.sign({
      method: 'GET',
      protocol: this.base.protocol,
      hostname: this.base.hostname,
      ...(this.base.port ? { port: Number(this.base.port) } : {}),
      path,
      query,
      headers: { host: this.base.host },
    });
    const url = new URL(path, this.base);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    const headers = Object.fromEntries(
      Object.entries(signed.headers).filter(([name]) => name.toLowerCase() !== 'host'),
    );
    const answer = await this.fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
    const xml = await answer.text();
    if (!answer.ok) {
      // S3's error code (AccessDenied, NoSuchBucket…) says what to fix; its message never holds a secret.
      const code = element(xml, 'Code') ?? `HTTP ${answer.status}`;
      throw new Error(
        `Listing backups in s3://${this.options.bucket}/${prefix} failed: ${code}. Check WHARF_BACKUP_BUCKET and the function's s3:ListBucket grant.`,
      );
    }
    // With encoding-type=url, S3 URL-encodes the keys in its answer (safe for any character).
    const objects = [...xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)].map((m) => ({
      key: decodeURIComponent(xmlText(element(m[1] ?? '', 'Key') ?? '').replace(/\+/g, ' ')),
      size: Number(element(m[1] ?? '', 'Size') ?? 0),
    }));
    const truncated = element(xml, 'IsTruncated') === 'true';
    const next = element(xml, 'NextContinuationToken');
    return { objects, nextToken: truncated && next ? xmlText(next) : undefined };
  }
}
