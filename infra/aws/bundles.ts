import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface BundleSize {
  /** The handler module under functions/ (from the function's `wharf:handler` metadata). */
  handler: string;
  stack: string;
  logicalId: string;
  /** The minified ESM bundle (index.mjs), as uploaded. */
  bytes: number;
  /** The same, gzip-compressed: roughly what Lambda downloads. */
  gzipBytes: number;
  /** The source map next to it (index.mjs.map), not loaded unless an error is mapped. */
  sourceMapBytes: number;
}

interface TemplateResource {
  Type: string;
  Properties?: { Code?: { S3Key?: string } };
  Metadata?: Record<string, unknown>;
}

/**
 * Per-function bundle sizes from a synthesized cloud assembly (`npx cdk synth -c stage=…` writes
 * cdk.out): each Wharf function's asset folder is `asset.<hash>` for its `Code.S3Key` `<hash>.zip`.
 * For the benchmark report; run a synth first.
 */
export function bundleSizes(assemblyDir = 'cdk.out'): BundleSize[] {
  if (!existsSync(assemblyDir))
    throw new Error(`No cloud assembly at ${assemblyDir}: run npx cdk synth first`);
  const sizes: BundleSize[] = [];
  for (const file of readdirSync(assemblyDir).filter((f) => f.endsWith('.template.json'))) {
    const stack = file.slice(0, -'.template.json'.length);
    const template = JSON.parse(readFileSync(join(assemblyDir, file), 'utf8')) as {
      Resources?: Record<string, TemplateResource>;
    };
    for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
      const handler = resource.Metadata?.['wharf:handler'];
      const key = resource.Properties?.Code?.S3Key;
      if (resource.Type !== 'AWS::Lambda::Function' || typeof handler !== 'string' || !key) continue;
      const dir = join(assemblyDir, `asset.${key.replace(/\.zip$/, '')}`);
      const bundle = join(dir, 'index.mjs');
      if (!existsSync(bundle)) continue;
      const map = join(dir, 'index.mjs.map');
      sizes.push({
        handler,
        stack,
        logicalId,
        bytes: statSync(bundle).size,
        gzipBytes: gzipSync(readFileSync(bundle)).length,
        sourceMapBytes: existsSync(map) ? statSync(map).size : 0,
      });
    }
  }
  return sizes.sort((a, b) => a.handler.localeCompare(b.handler));
}
