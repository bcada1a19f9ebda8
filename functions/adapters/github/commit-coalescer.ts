export interface CommitCoalescerOptions {
  /** Most items written together (bounds one commit's size and how long a failure takes down). */
  maxBatch: number;
}

interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Combines writes that queue up while one is in flight. The first item goes out at once (after the
 * current turn of the event loop, so a synchronous burst already travels together); items that
 * arrive meanwhile wait, and the next turn writes up to `maxBatch` of them in one call. Every caller
 * gets the result of the write that carried its item.
 *
 * `write` returns one settled result per item, in order, so it can fail one item of a batch (say,
 * a change GitHub refuses) without failing the others; if it throws, the whole batch fails.
 */
export class CommitCoalescer<T, R> {
  private readonly waiting: Array<Waiting<T, R>> = [];
  private draining = false;
  private readonly maxBatch: number;

  constructor(
    private readonly write: (batch: T[]) => Promise<Array<PromiseSettledResult<R>>>,
    options: CommitCoalescerOptions,
  ) {
    this.maxBatch = Math.max(1, Math.floor(options.maxBatch));
  }

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  /** Items waiting for their turn (not counting the batch in flight). */
  get queued(): number {
    return this.waiting.length;
  }

  private async drain(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, this.maxBatch);
        try {
          const results = await this.write(batch.map((w) => w.item));
          batch.forEach((w, i) => {
            const result = results[i];
            if (!result) w.reject(new Error('The batched write returned no result for this change.'));
            else if (result.status === 'fulfilled') w.resolve(result.value);
            else w.reject(result.reason);
          });
        } catch (error) {
          for (const w of batch) w.reject(error);
        }
      }
    } finally {
      this.draining = false;
    }
  }
}

/** A change after validation: paths normalized, no duplicates. */
export interface PreparedChange {
  message: string;
  author: { name: string; email: string };
  files: Array<{ path: string; content: string }>;
  deletePaths: string[];
}

/** Several changes as one: what applying them one after another to the same tree would give. */
export interface MergedChange extends PreparedChange {
  /** How many changes it holds. */
  count: number;
}

/**
 * Merges changes in order. A later change wins for the same path; a later delete removes what an
 * earlier change in the batch wrote under it; deletes apply to the base tree, and files written in
 * the batch are never deleted by them (a delete followed by a write replaces the folder's content).
 */
export function mergeChanges(changes: readonly PreparedChange[]): MergedChange {
  const first = changes[0];
  if (!first) throw new Error('mergeChanges needs at least one change.');
  if (changes.length === 1) return { ...first, count: 1 };
  const files = new Map<string, string>();
  const deletes = new Set<string>();
  for (const change of changes) {
    for (const deleted of change.deletePaths) {
      for (const path of files.keys()) if (isUnder(path, deleted)) files.delete(path);
      deletes.add(deleted);
    }
    for (const file of change.files) {
      files.delete(file.path); // re-insert, so the order is that of the last write
      files.set(file.path, file.content);
    }
  }
  return {
    message: batchMessage(changes),
    author: first.author,
    files: [...files].map(([path, content]) => ({ path, content })),
    deletePaths: [...deletes],
    count: changes.length,
  };
}

/** `path` is `folder` or lies inside it. */
const isUnder = (path: string, folder: string) => path === folder || path.startsWith(`${folder}/`);

const subject = (message: string) => message.trim().split('\n')[0]?.trim() ?? '';

/**
 * `Apply 3 GitOps changes`, a list of their subjects, then each full message; other authors are
 * credited with `Co-authored-by` trailers, which GitHub shows on the commit.
 */
function batchMessage(changes: readonly PreparedChange[]): string {
  const list = changes.map((c) => `- ${subject(c.message)}`).join('\n');
  const bodies = changes.map((c) => c.message.trim()).join('\n\n---\n\n');
  const first = changes[0] as PreparedChange;
  const coAuthors = new Map<string, string>();
  for (const { author } of changes.slice(1)) {
    if (author.email !== first.author.email) coAuthors.set(author.email, `${author.name} <${author.email}>`);
  }
  const trailers = [...coAuthors.values()].map((who) => `Co-authored-by: ${who}`).join('\n');
  return `Apply ${changes.length} GitOps changes\n\n${list}\n\n---\n\n${bodies}${trailers ? `\n\n${trailers}` : ''}\n`;
}
