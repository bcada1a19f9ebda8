import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type {
  BatchingGitOpsRepository,
  GitOpsChange,
  GitOpsRepository,
} from '../../../shared/deploy-ports.ts';
import { transientError, WorkflowError } from '../../../shared/errors.ts';
import { timeSortable } from '../system/ids.ts';
import { conditionalWrite, type TableRef } from './client.ts';
import { itemKey, parseItem, storedAs } from './items.ts';
import { keys, prefixes } from './keys.ts';

export interface GitOpsCommitQueueOptions {
  table: TableRef;
  /** Which repository and branch the queue serializes, e.g. `github.com/acme/gitops@main`. */
  repository: string;
  inner: BatchingGitOpsRepository;
  /** Changes written together at most (default 20). */
  maxBatch?: number;
  /** How long the committer holds the lease before another function may take over (default 60 s). */
  leaseMs?: number;
  /** How long a caller waits for its change to be written before giving up (default 90 s). */
  maxWaitMs?: number;
  /** Pause between looks at the queue while another function commits (default 150 ms, jittered). */
  pollMs?: number;
  now?: () => number;
}

type Result = { commit: string; changed: boolean };

const gitOpsChangeSchema = storedAs<GitOpsChange>()(
  z.object({
    message: z.string(),
    author: z.object({ name: z.string(), email: z.string() }),
    files: z.array(z.object({ path: z.string(), content: z.string() })),
    deletePaths: z.array(z.string()).optional(),
  }),
);

/** A queued change: its state and outcome; the change itself is stored as JSON (any size of files). */
const changeItemSchema = z.object({
  state: z.enum(['pending', 'done', 'failed']),
  change: z.string(),
  result: z.object({ commit: z.string(), changed: z.boolean() }).optional(),
  error: z.object({ name: z.string(), message: z.string() }).optional(),
});
type ChangeItem = z.output<typeof changeItemSchema>;

/** A change to write, its JSON parsed too (only the committer needs it; waiting callers poll the state). */
const pendingChangeSchema = changeItemSchema.extend({
  change: z
    .string()
    .transform((text, ctx): unknown => {
      try {
        return JSON.parse(text);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not JSON' });
        return z.NEVER;
      }
    })
    .pipe(gitOpsChangeSchema),
});

/**
 * Group commit across functions. Each Lambda invocation runs alone, so releases that arrive together
 * never meet in one process: every change is queued in the table, and whichever caller holds the
 * repository's lease writes all waiting changes as one commit (through `inner.commitMany`) and hands
 * each change its result. Everyone else waits for theirs. A burst of releases becomes a few commits,
 * which keeps GitHub's content-creating requests low; a committer that dies mid-way loses nothing —
 * its lease expires and the next caller writes the still-pending changes (writing a change twice
 * changes nothing the second time).
 */
export class GitOpsCommitQueue implements GitOpsRepository {
  private readonly maxBatch: number;
  private readonly leaseMs: number;
  private readonly maxWaitMs: number;
  private readonly pollMs: number;
  private readonly now: () => number;

  constructor(private readonly options: GitOpsCommitQueueOptions) {
    this.maxBatch = options.maxBatch ?? 20;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.maxWaitMs = options.maxWaitMs ?? 90_000;
    this.pollMs = options.pollMs ?? 150;
    this.now = options.now ?? Date.now;
  }

  readFile(commit: string, path: string) {
    return this.options.inner.readFile(commit, path);
  }

  head() {
    return this.options.inner.head();
  }

  links(commit: string) {
    return this.options.inner.links(commit);
  }

  async commit(change: GitOpsChange): Promise<Result> {
    const { doc, tableName: TableName } = this.options.table;
    const id = `${timeSortable(this.now())}${randomBytes(6).toString('hex')}`;
    const key = keys.gitopsChange(this.options.repository, id);
    await doc.send(
      new PutCommand({
        TableName,
        Item: {
          ...key,
          entity: 'gitopsChange',
          state: 'pending',
          change: JSON.stringify(change),
          // Left behind only if the caller dies; the table's TTL clears it.
          expiresAt: Math.floor(this.now() / 1000) + 86_400,
        },
      }),
    );
    const deadline = this.now() + this.maxWaitMs;
    try {
      for (;;) {
        const mine = await this.read(key);
        if (mine?.state === 'done' && mine.result) return mine.result;
        if (mine?.state === 'failed') {
          throw new WorkflowError(mine.error?.name ?? 'Error', mine.error?.message ?? 'The commit failed.');
        }
        if (await this.takeLease(id)) {
          try {
            await this.writeWaiting();
          } finally {
            await this.releaseLease(id);
          }
          continue;
        }
        if (this.now() > deadline) {
          throw transientError(
            `The GitOps commit queue of ${this.options.repository} did not write this change within ${Math.round(this.maxWaitMs / 1000)} s.`,
          );
        }
        await sleep(this.pollMs / 2 + Math.random() * this.pollMs);
      }
    } finally {
      // Done or given up: the item goes. If a committer still holds it, its result write finds nothing.
      await doc.send(new DeleteCommand({ TableName, Key: key })).catch(() => undefined);
    }
  }

  private async read(key: { pk: string; sk: string }): Promise<ChangeItem | undefined> {
    const out = await this.options.table.doc.send(
      new GetCommand({ TableName: this.options.table.tableName, Key: key, ConsistentRead: true }),
    );
    return out.Item ? parseItem(changeItemSchema, out.Item) : undefined;
  }

  /** The repository's lease: free, expired, or (after a crash of this very caller) already ours. */
  private takeLease(holder: string): Promise<boolean> {
    return conditionalWrite(
      this.options.table,
      new PutCommand({
        TableName: this.options.table.tableName,
        Item: {
          ...keys.gitopsLease(this.options.repository),
          entity: 'gitopsLease',
          holder,
          leaseUntil: this.now() + this.leaseMs,
          expiresAt: Math.floor((this.now() + this.leaseMs) / 1000) + 86_400,
        },
        ConditionExpression: 'attribute_not_exists(pk) OR leaseUntil < :now OR holder = :holder',
        ExpressionAttributeValues: { ':now': this.now(), ':holder': holder },
      }),
    );
  }

  /** Not ours any more (it expired and was taken over): nothing to release. */
  private async releaseLease(holder: string) {
    await conditionalWrite(
      this.options.table,
      new DeleteCommand({
        TableName: this.options.table.tableName,
        Key: keys.gitopsLease(this.options.repository),
        ConditionExpression: 'holder = :holder',
        ExpressionAttributeValues: { ':holder': holder },
      }),
    );
  }

  /** As the lease holder: every waiting change (oldest first, a batch at most) in one commit. */
  private async writeWaiting() {
    const { doc, tableName: TableName } = this.options.table;
    const pk = prefixes.gitopsPartition(this.options.repository);
    const out = await doc.send(
      new QueryCommand({
        TableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
        FilterExpression: '#state = :pending',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':pk': pk, ':sk': prefixes.gitopsChange, ':pending': 'pending' },
        ConsistentRead: true,
      }),
    );
    const waiting = (out.Items ?? [])
      .slice(0, this.maxBatch)
      .map((item) => ({ key: itemKey(item), change: parseItem(pendingChangeSchema, item).change }));
    if (waiting.length === 0) return;
    const results = await this.options.inner.commitMany(waiting.map((item) => item.change));
    await Promise.all(
      waiting.map(async (item, i) => {
        const result = results[i];
        const update =
          result?.status === 'fulfilled'
            ? { state: 'done', result: result.value }
            : { state: 'failed', error: errorOf(result?.reason) };
        // Not written when its caller gave up meanwhile (and deleted the item).
        await conditionalWrite(
          this.options.table,
          new UpdateCommand({
            TableName,
            Key: item.key,
            UpdateExpression: 'SET #state = :state, #out = :out',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: {
              '#state': 'state',
              '#out': 'result' in update ? 'result' : 'error',
            },
            ExpressionAttributeValues: {
              ':state': update.state,
              ':out': 'result' in update ? update.result : update.error,
            },
          }),
        );
      }),
    );
  }
}

/** What a waiting caller rethrows: the error's name (Step Functions matches it) and message. */
function errorOf(reason: unknown): { name: string; message: string } {
  const error = reason instanceof Error ? reason : new Error(String(reason));
  return { name: error.name, message: error.message };
}
