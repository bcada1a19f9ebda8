import type { TableRef } from '../functions/adapters/dynamodb/client.ts';
import { makeDocumentClient } from '../functions/adapters/dynamodb/client.ts';
import { GitOpsCommitQueue } from '../functions/adapters/dynamodb/gitops-commit-queue.ts';
import { createGitHubGitOpsRepository } from '../functions/adapters/github/github-gitops-repository.ts';
import {
  ensureTable,
  LOCAL_REGION,
  localCredentials,
  startDynamoDbLocal,
} from '../infra/local/dynamodb-local.ts';
import type { GitOpsChange } from '../shared/deploy-ports.ts';
import { startFakeGitHub } from '../testing/fakes/github.ts';
import { fixed, heading, table, verdict } from './report.ts';

/** GitHub's secondary limit on content-creating requests per minute, which a burst must stay under. */
export const CONTENT_CREATING_PER_MINUTE = 80;

export interface GitopsThroughputOptions {
  /** Concurrent releases (distinct app folders); default 50. */
  releases?: number | undefined;
  /** Files per release; default 3 (release.json, values.yaml, manifests.yaml). */
  filesPerRelease?: number | undefined;
  /**
   * Every n-th ref update meets a concurrent writer (422 not a fast forward). Default 2: coalesced,
   * 50 releases take only about 3 ref updates, so every 5th would never fire.
   */
  conflictEvery?: number | undefined;
  /** The adapter's bound on changes per commit; 1 shows the cost without coalescing. Default 20. */
  maxChangesPerCommit?: number | undefined;
  /** The write budget's per-minute limit; default GitHub's 80. */
  writesPerMinute?: number | undefined;
  /** Least time between writes; default the adapter's production default (1 s, as GitHub asks). */
  minWriteIntervalMs?: number | undefined;
  /** Simulated network latency per request; default 0. */
  latencyMs?: number | undefined;
  /**
   * Each release from its own "function" (its own GitHub client, no in-process coalescing) through
   * the commit queue in this table, as the workflow tasks run in AWS.
   */
  queue?: { table: TableRef } | undefined;
}

export interface GitopsThroughputResult {
  releases: number;
  /** Commits the adapter made (the concurrent writer's are not counted). */
  commits: number;
  /** Every request the fake served, reads included. */
  requests: number;
  requestsPerRelease: number;
  contentCreatingPerRelease: number;
  /** Ref updates refused as not a fast forward because another writer moved the branch. */
  injected422: number;
  /** Every release's files are at the final head, and at the commit its caller got back. */
  allLanded: boolean;
  ms: number;
}

/**
 * 50 releases committed at once to one GitOps repository through the GitHub adapter, against the
 * fake GitHub with a concurrent writer moving the branch on every 2nd ref update. Measures how many
 * commits and requests the burst costs; with coalescing it should be a handful of commits, far under
 * GitHub's 80 content-creating requests a minute. Runs with the adapter's production pacing unless
 * told otherwise.
 */
export async function gitopsThroughput(
  options: GitopsThroughputOptions = {},
): Promise<GitopsThroughputResult> {
  const releases = options.releases ?? 50;
  const filesPerRelease = options.filesPerRelease ?? 3;
  const token = 'bench-token-not-a-secret';
  const fake = await startFakeGitHub({
    owner: 'wharf-bench',
    repo: 'gitops',
    token,
    latencyMs: options.latencyMs,
  });
  try {
    const client = (maxChangesPerCommit: number | undefined) =>
      createGitHubGitOpsRepository({
        owner: 'wharf-bench',
        repo: 'gitops',
        branch: 'main',
        auth: { kind: 'token', token },
        baseUrl: fake.url,
        maxChangesPerCommit,
        writeBudget: { minIntervalMs: options.minWriteIntervalMs, perMinute: options.writesPerMinute },
      });
    const { queue } = options;
    const shared = client(options.maxChangesPerCommit);
    const queueName = `bench/${Date.now()}`;
    const commit = queue
      ? (change: GitOpsChange) =>
          new GitOpsCommitQueue({ table: queue.table, repository: queueName, inner: client(1) }).commit(
            change,
          )
      : (change: GitOpsChange) => shared.commit(change);
    const initial = fake.head();
    fake.inject({ kind: 'not-fast-forward', every: options.conflictEvery ?? 2 });
    fake.resetRequests();

    const changes = Array.from({ length: releases }, (_, i) => {
      const folder = `apps/w${i % 5}/u${i % 7}/app-${i}/production`;
      const names = ['release.json', 'values.yaml', 'manifests.yaml'];
      return {
        message: `Deploy app-${i} (production) release 1\n\nImage registry.example.com/app-${i}:1, run bench-${i}.`,
        author: { name: `User ${i % 7}`, email: `u${i % 7}@example.com` },
        files: Array.from({ length: filesPerRelease }, (_, f) => ({
          path: `${folder}/${names[f] ?? `extra-${f}.yaml`}`,
          content: `# app-${i} file ${f}\nimage: registry.example.com/app-${i}:1\n`,
        })),
      };
    });

    const started = performance.now();
    const results = await Promise.all(changes.map(commit));
    const ms = performance.now() - started;

    const head = fake.head() as string;
    const allLanded = changes.every((change, i) =>
      change.files.every(
        (file) =>
          fake.readFile(head, file.path) === file.content &&
          fake.readFile(results[i]?.commit as string, file.path) === file.content,
      ),
    );
    const ours = fake.commits().filter((c) => c.sha !== initial && c.author.name !== 'Another Writer');
    const requests = fake.requests.total;
    return {
      releases,
      commits: ours.length,
      requests,
      requestsPerRelease: requests / releases,
      contentCreatingPerRelease: fake.requests.contentCreating / releases,
      injected422: fake.requests.injected['not-fast-forward'] ?? 0,
      allLanded,
      ms,
    };
  } finally {
    await fake.close();
  }
}

/**
 * The figures as a report section, in the style of the other bench sections; `uncoalesced` (the same
 * burst with one commit per release) shows what coalescing saves.
 */
export function renderGitopsThroughput(
  result: GitopsThroughputResult,
  uncoalesced?: GitopsThroughputResult | undefined,
  queued?: GitopsThroughputResult | undefined,
): string {
  const writesPerMinute = (r: GitopsThroughputResult) =>
    (r.contentCreatingPerRelease * r.releases) / Math.max(r.ms / 60_000, 1);
  const row = (label: string, r: GitopsThroughputResult) => [
    label,
    String(r.releases),
    String(r.commits),
    String(r.requests),
    fixed(r.requestsPerRelease, 2),
    fixed(r.contentCreatingPerRelease, 2),
    String(r.injected422),
    fixed(writesPerMinute(r), 0),
    fixed(r.ms, 0),
    r.allLanded ? 'yes' : 'NO',
  ];
  return [
    heading('GitOps throughput (GitHub adapter against the fake GitHub)'),
    `${result.releases} concurrent releases (3 files each) to one repository; a concurrent writer moves the branch on every 2nd ref update (422)`,
    `target        every release at the head; content-creating requests under ${CONTENT_CREATING_PER_MINUTE} a minute`,
    '',
    table(
      [
        'mode',
        'releases',
        'commits',
        'requests',
        'req/release',
        'writes/release',
        '422s',
        'writes/min',
        'ms',
        'landed',
      ],
      [
        row('coalesced (production pacing)', result),
        ...(uncoalesced ? [row('one commit per release (pacing lifted)', uncoalesced)] : []),
        ...(queued ? [row('50 functions, commit queue (production pacing)', queued)] : []),
      ],
      new Set([1, 2, 3, 4, 5, 6, 7, 8]),
    ),
    `result        ${verdict([result, queued].every((r) => !r || (r.allLanded && writesPerMinute(r) < CONTENT_CREATING_PER_MINUTE)))} (coalesced in one process${queued ? ', and across functions through the commit queue' : ''})`,
  ].join('\n');
}

/**
 * For `bench/run.ts`: the burst as the adapter runs in production, then the same burst with one
 * commit per release (pacing lifted, else it would take minutes) to show what coalescing saves.
 */
export async function benchGitopsThroughput(): Promise<string> {
  const coalesced = await gitopsThroughput();
  const uncoalesced = await gitopsThroughput({
    maxChangesPerCommit: 1,
    minWriteIntervalMs: 0,
    writesPerMinute: 1_000_000,
  });
  // As in AWS: every release from its own function, meeting in the commit queue (DynamoDB Local).
  const dynamo = await startDynamoDbLocal({ inMemory: true });
  try {
    await ensureTable(dynamo.endpoint, 'wharf');
    process.env.AWS_ACCESS_KEY_ID ??= localCredentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY ??= localCredentials.secretAccessKey;
    const table = {
      doc: makeDocumentClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION }),
      tableName: 'wharf',
    };
    const queued = await gitopsThroughput({ queue: { table } });
    return renderGitopsThroughput(coalesced, uncoalesced, queued);
  } finally {
    await dynamo.stop();
  }
}
