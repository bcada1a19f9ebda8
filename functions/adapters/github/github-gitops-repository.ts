import { setTimeout as sleep } from 'node:timers/promises';
import * as z from 'zod';
import type { BatchingGitOpsRepository, GitOpsChange } from '../../../shared/deploy-ports.ts';
import { invalid, transientError, WorkflowError } from '../../../shared/errors.ts';
import { normalizeRepositoryPath } from '../../../shared/gitops-path.ts';
import { CommitCoalescer, type MergedChange, mergeChanges, type PreparedChange } from './commit-coalescer.ts';
import {
  createGitHubClient,
  type GitHubAuth,
  type GitHubOctokit,
  gitHubError,
  gitHubMessage,
  httpFailure,
} from './octokit.ts';
import { WriteBudget, type WriteBudgetOptions } from './write-budget.ts';

export interface GitHubGitOpsRepositoryOptions {
  owner: string;
  repo: string;
  branch: string;
  auth: GitHubAuth;
  /** REST API root for GitHub Enterprise Server (`https://ghe.example.com/api/v3`) or a fake. */
  baseUrl?: string | undefined;
  /** Web root for links; default `https://github.com` (for GHES, its host). */
  webUrl?: string | undefined;
  /** Commit attempts when another writer moved the branch (422 not a fast forward, 409); default 8. */
  maxAttempts?: number | undefined;
  /** Changes written together in one commit when they queue up; 1 turns coalescing off. Default 20. */
  maxChangesPerCommit?: number | undefined;
  /** The content-creating request budget: a shared instance, or options for this repository's own. */
  writeBudget?: WriteBudget | WriteBudgetOptions | undefined;
  /** Who commits; by default GitHub uses the author. */
  committer?: { name: string; email: string } | undefined;
  /** Retries of 5xx and network failures per request; default 3. */
  retries?: number | undefined;
  /** Base of the retry plugin's quadratic backoff; default 1000 ms. */
  retryDelayMs?: number | undefined;
  /** Backoff between commit attempts after a conflict: random in [0, min(max, base × 2^attempt)]. */
  conflictBackoffMs?: { base?: number | undefined; max?: number | undefined } | undefined;
  /** Files larger than this go up as blobs first instead of inline tree content; default 256 KiB. */
  inlineContentMaxBytes?: number | undefined;
  /** One request attempt's time limit; default 30 s. */
  requestTimeoutMs?: number | undefined;
  /** Passed on to the client (tests). */
  rateLimitRetries?: number | undefined;
}

// ---- GitHub response shapes we depend on -------------------------------------------------------

const sha = z.string().regex(/^[0-9a-f]{40,64}$/, 'expected a git object id');
const refSchema = z.object({ object: z.object({ sha, type: z.string() }) });
const commitSchema = z.object({ sha, tree: z.object({ sha }) });
const createdSchema = z.object({ sha });
const treeSchema = z.object({
  sha,
  truncated: z.boolean().optional(),
  tree: z.array(
    z.object({ path: z.string(), mode: z.string(), type: z.string(), sha: sha.nullable().optional() }),
  ),
});
const fileSchema = z.object({
  type: z.string(),
  encoding: z.string().optional(),
  content: z.string().optional(),
  sha: sha.optional(),
});
const contentsSchema = z.union([z.array(z.unknown()), fileSchema]);
const blobSchema = z.object({ content: z.string(), encoding: z.string() });

type TreeEntry = z.infer<typeof treeSchema>['tree'][number];

/** A tree entry to send: inline content, a blob, or `sha: null` to delete the path. */
type NewEntry =
  | { path: string; mode: string; type: string; content: string }
  | { path: string; mode: string; type: string; sha: string | null };

const FILE_MODE = '100644';

/** A bounded map: when full, the oldest entry goes. */
class Lru<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly size: number) {}
  get(key: K): V | undefined {
    return this.map.get(key);
  }
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.size) this.map.delete(this.map.keys().next().value as K);
  }
}

/**
 * The GitOps repository on GitHub (or GitHub Enterprise Server), written through the Git Data API:
 * every change is one atomic commit, built on the branch head (blobs → tree with `base_tree` →
 * commit) and published with a fast-forward-only ref update. When another writer moved the branch
 * in between (422 "Update is not a fast forward", or a 409), the commit is rebuilt on the new head,
 * with jittered backoff and a bound on attempts; an exhausted bound is a `TransientError`, so the
 * workflow's own retry takes over.
 *
 * Changes that queue up in this process while a commit is in flight are written together as one
 * commit (see `CommitCoalescer`), and content-creating requests are paced by a `WriteBudget`, so a
 * burst of releases stays under GitHub's secondary rate limit.
 */
export class GitHubGitOpsRepository implements BatchingGitOpsRepository {
  readonly owner: string;
  readonly repo: string;
  readonly branch: string;
  readonly budget: WriteBudget;
  private readonly octokit: GitHubOctokit;
  private readonly auth: GitHubAuth;
  private readonly webUrl: string;
  private readonly maxAttempts: number;
  private readonly committer: { name: string; email: string } | undefined;
  private readonly backoff: { base: number; max: number };
  private readonly inlineMaxBytes: number;
  private readonly coalescer: CommitCoalescer<PreparedChange, { commit: string; changed: boolean }>;
  private readonly repoPath: string;
  private readonly refPath: string;
  /** Commit → tree (commits never change). */
  private readonly commitTrees = new Lru<string, string>(256);
  /** `<tree>` / `<tree>:r` → entries (trees never change). */
  private readonly treeListings = new Lru<string, { entries: TreeEntry[]; truncated: boolean }>(256);

  constructor(options: GitHubGitOpsRepositoryOptions) {
    for (const [name, value] of Object.entries({
      owner: options.owner,
      repo: options.repo,
      branch: options.branch,
    })) {
      if (!value?.trim()) throw new Error(`The GitHub GitOps repository needs a ${name}.`);
    }
    this.owner = options.owner;
    this.repo = options.repo;
    this.branch = options.branch;
    this.auth = options.auth;
    this.webUrl = (options.webUrl ?? 'https://github.com').replace(/\/+$/, '');
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 8);
    this.committer = options.committer;
    this.backoff = {
      base: options.conflictBackoffMs?.base ?? 50,
      max: options.conflictBackoffMs?.max ?? 2_000,
    };
    this.inlineMaxBytes = options.inlineContentMaxBytes ?? 256 * 1024;
    this.budget =
      options.writeBudget instanceof WriteBudget ? options.writeBudget : new WriteBudget(options.writeBudget);
    this.octokit = createGitHubClient({
      auth: options.auth,
      baseUrl: options.baseUrl,
      writeBudget: this.budget,
      retries: options.retries,
      retryDelayMs: options.retryDelayMs,
      rateLimitRetries: options.rateLimitRetries,
      requestTimeoutMs: options.requestTimeoutMs,
    });
    this.repoPath = `/repos/${encodeURIComponent(this.owner)}/${encodeURIComponent(this.repo)}`;
    this.refPath = `heads/${encodePath(this.branch)}`;
    this.coalescer = new CommitCoalescer((batch) => this.writeBatch(batch), {
      maxBatch: options.maxChangesPerCommit ?? 20,
    });
  }

  commit(change: GitOpsChange): Promise<{ commit: string; changed: boolean }> {
    // Validation fails only this caller, before it can join a batch.
    let prepared: PreparedChange;
    try {
      prepared = prepare(change);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.coalescer.submit(prepared);
  }

  /**
   * Writes the changes as one commit, now, without waiting for this process's queue (the distributed
   * commit queue calls it with the changes of many functions). A change that can't be prepared fails alone.
   */
  async commitMany(
    changes: GitOpsChange[],
  ): Promise<Array<PromiseSettledResult<{ commit: string; changed: boolean }>>> {
    const results: Array<PromiseSettledResult<{ commit: string; changed: boolean }>> = changes.map(() => ({
      status: 'rejected',
      reason: new Error('not written'),
    }));
    const prepared: Array<{ index: number; change: PreparedChange }> = [];
    changes.forEach((change, index) => {
      try {
        prepared.push({ index, change: prepare(change) });
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    });
    if (prepared.length > 0) {
      const written = await this.writeBatch(prepared.map((p) => p.change)).catch((reason: unknown) =>
        prepared.map(
          (): PromiseSettledResult<{ commit: string; changed: boolean }> => ({
            status: 'rejected',
            reason,
          }),
        ),
      );
      prepared.forEach((p, i) => {
        results[p.index] = written[i] ?? { status: 'rejected', reason: new Error('not written') };
      });
    }
    return results;
  }

  async readFile(commit: string, path: string): Promise<string | undefined> {
    const ref = revision(commit);
    const file = normalizeRepositoryPath(path);
    const action = `reading ${file} at ${ref.slice(0, 12)}`;
    let data: unknown;
    try {
      ({ data } = await this.octokit.request(`GET ${this.repoPath}/contents/${encodePath(file)}`, { ref }));
    } catch (error) {
      const failure = httpFailure(error);
      if (failure?.status === 404) {
        if (/no commit found/i.test(gitHubMessage(failure))) {
          throw new Error(`The GitOps repository has no commit ${commit}.`);
        }
        return undefined;
      }
      throw this.fail(error, action);
    }
    const contents = this.parse(contentsSchema, data, `GET contents/${file}`);
    if (Array.isArray(contents) || contents.type !== 'file') return undefined; // a folder, a link, a submodule
    if (contents.encoding === 'base64' && contents.content !== undefined) {
      return Buffer.from(contents.content, 'base64').toString('utf8');
    }
    // Files over 1 MB come without content (encoding "none"): read the blob instead.
    if (!contents.sha) throw this.malformed(`GET contents/${file}`, 'a file without content or sha');
    const blob = this.parse(
      blobSchema,
      await this.call(action, () => this.octokit.request(`GET ${this.repoPath}/git/blobs/${contents.sha}`)),
      'GET git/blobs',
    );
    return Buffer.from(blob.content, blob.encoding === 'base64' ? 'base64' : 'utf8').toString('utf8');
  }

  async head(): Promise<string | undefined> {
    try {
      return await this.readHead();
    } catch (error) {
      const status = httpFailure(error)?.status;
      if (status === 404 || status === 409) return undefined; // no such branch; an empty repository
      throw this.fail(error, `reading ${this.branch}`);
    }
  }

  links(commit: string): { commitUrl?: string | undefined; diffUrl?: string | undefined } {
    return githubLinks({ owner: this.owner, repo: this.repo, webUrl: this.webUrl }, commit);
  }

  // ---- Writing ---------------------------------------------------------------------------------

  /**
   * One commit for the whole batch. If GitHub refuses the combined change for a reason that is not
   * about the repository as a whole (say a path it won't take), each change is tried on its own, so
   * one bad change fails only its own caller.
   */
  private async writeBatch(
    batch: PreparedChange[],
  ): Promise<Array<PromiseSettledResult<{ commit: string; changed: boolean }>>> {
    try {
      const result = await this.writeCommit(mergeChanges(batch));
      return batch.map(() => ({ status: 'fulfilled', value: result }));
    } catch (error) {
      if (batch.length === 1 || !isChangeSpecific(error)) throw error;
      const results: Array<PromiseSettledResult<{ commit: string; changed: boolean }>> = [];
      for (const change of batch) {
        try {
          results.push({ status: 'fulfilled', value: await this.writeCommit(mergeChanges([change])) });
        } catch (reason) {
          results.push({ status: 'rejected', reason });
        }
      }
      return results;
    }
  }

  private async writeCommit(change: MergedChange): Promise<{ commit: string; changed: boolean }> {
    // Blobs don't depend on the head: written once, whatever the retries.
    const blobs = new Map<string, string>();
    for (const file of change.files) {
      if (Buffer.byteLength(file.content) > this.inlineMaxBytes) {
        blobs.set(file.path, await this.createBlob(file.content));
      }
    }
    const written = new Set(change.files.map((f) => f.path));
    for (let attempt = 1; ; attempt++) {
      const head = await this.requireHead();
      const baseTree = await this.treeOf(head);
      const deleted = await this.filesUnder(baseTree, change.deletePaths);
      const entries: NewEntry[] = [
        ...deleted
          .filter((entry) => !written.has(entry.path))
          .map((entry) => ({ path: entry.path, mode: entry.mode, type: entry.type, sha: null })),
        ...change.files.map((file) => {
          const blob = blobs.get(file.path);
          return blob
            ? { path: file.path, mode: FILE_MODE, type: 'blob', sha: blob }
            : { path: file.path, mode: FILE_MODE, type: 'blob', content: file.content };
        }),
      ];
      if (entries.length === 0) return { commit: head, changed: false };
      try {
        const tree = await this.createTree(baseTree, entries);
        if (tree === baseTree) return { commit: head, changed: false };
        const commit = await this.createCommit(change, tree, head);
        await this.updateRef(commit);
        this.commitTrees.set(commit, tree);
        return { commit, changed: true };
      } catch (error) {
        const moved = headMoved(error);
        if (!moved) throw this.fail(error, `committing to ${this.branch}`);
        if (attempt >= this.maxAttempts) {
          throw transientError(
            `Could not update ${this.branch} in ${this.owner}/${this.repo} after ${attempt} attempts: other writers kept moving it (${moved}).`,
          );
        }
        // Someone else moved the branch: wait a little (with jitter, so racers spread out), rebuild.
        await sleep(Math.random() * Math.min(this.backoff.max, this.backoff.base * 2 ** attempt));
      }
    }
  }

  private async readHead(): Promise<string> {
    const { data } = await this.octokit.request(`GET ${this.repoPath}/git/ref/${this.refPath}`);
    const ref = this.parse(refSchema, data, 'GET git/ref');
    if (ref.object.type !== 'commit') {
      throw new WorkflowError(
        'GitOpsRepositoryNotReady',
        `${this.branch} in ${this.owner}/${this.repo} points at a ${ref.object.type}, not a commit.`,
      );
    }
    return ref.object.sha;
  }

  /** The branch head, or an error that says what to set up. */
  private async requireHead(): Promise<string> {
    try {
      return await this.readHead();
    } catch (error) {
      const failure = httpFailure(error);
      if (failure?.status === 409) {
        throw new WorkflowError(
          'GitOpsRepositoryNotReady',
          `The GitOps repository ${this.owner}/${this.repo} is empty (GitHub: "${gitHubMessage(failure)}"). Push a first commit to ${this.branch} (for example, add a README on GitHub), then deploy again.`,
        );
      }
      if (failure?.status === 404) {
        // Tell a missing branch from a repository the credentials cannot see.
        await this.call(`reading ${this.owner}/${this.repo}`, () =>
          this.octokit.request(`GET ${this.repoPath}`),
        );
        throw new WorkflowError(
          'GitOpsRepositoryNotReady',
          `Branch ${this.branch} does not exist in the GitOps repository ${this.owner}/${this.repo}. Create it (for example from the default branch) or configure the branch Wharf should write to, then deploy again.`,
        );
      }
      throw this.fail(error, `reading ${this.branch}`);
    }
  }

  private async treeOf(commit: string): Promise<string> {
    const known = this.commitTrees.get(commit);
    if (known) return known;
    const data = await this.call(`reading commit ${commit.slice(0, 12)}`, () =>
      this.octokit.request(`GET ${this.repoPath}/git/commits/${commit}`),
    );
    const tree = this.parse(commitSchema, data, 'GET git/commits').tree.sha;
    this.commitTrees.set(commit, tree);
    return tree;
  }

  private async listTree(tree: string, recursive: boolean) {
    const key = `${tree}${recursive ? ':r' : ''}`;
    const known = this.treeListings.get(key);
    if (known) return known;
    const data = await this.call(`listing tree ${tree.slice(0, 12)}`, () =>
      this.octokit.request(`GET ${this.repoPath}/git/trees/${tree}`, recursive ? { recursive: '1' } : {}),
    );
    const parsed = this.parse(treeSchema, data, 'GET git/trees');
    const listing = { entries: parsed.tree, truncated: parsed.truncated ?? false };
    this.treeListings.set(key, listing);
    return listing;
  }

  /**
   * Every file (blob or submodule) at or under the paths, found by walking down to each path and
   * listing that folder recursively, so the cost follows the folder, not the repository.
   */
  private async filesUnder(rootTree: string, paths: readonly string[]): Promise<TreeEntry[]> {
    const found = new Map<string, TreeEntry>();
    for (const path of paths) {
      const parts = path.split('/');
      let tree: string | undefined = rootTree;
      let entry: TreeEntry | undefined;
      for (let i = 0; i < parts.length && tree; i++) {
        entry = (await this.listTree(tree, false)).entries.find((e) => e.path === parts[i]);
        tree = entry && i < parts.length - 1 && entry.type === 'tree' ? (entry.sha ?? undefined) : undefined;
        if (i < parts.length - 1 && !tree) entry = undefined;
      }
      if (!entry?.sha) continue; // nothing there
      if (entry.type !== 'tree') {
        found.set(path, { ...entry, path });
        continue;
      }
      const listing = await this.listTree(entry.sha, true);
      if (listing.truncated) {
        throw new WorkflowError(
          'GitOpsChangeRejected',
          `${path} in ${this.owner}/${this.repo} holds too many files to delete in one commit.`,
        );
      }
      for (const inner of listing.entries) {
        if (inner.type !== 'tree')
          found.set(`${path}/${inner.path}`, { ...inner, path: `${path}/${inner.path}` });
      }
    }
    return [...found.values()];
  }

  private async createBlob(content: string): Promise<string> {
    const data = await this.call('uploading a file', () =>
      this.octokit.request(`POST ${this.repoPath}/git/blobs`, { content, encoding: 'utf-8' }),
    );
    return this.parse(createdSchema, data, 'POST git/blobs').sha;
  }

  private async createTree(baseTree: string, entries: NewEntry[]): Promise<string> {
    const { data } = await this.octokit.request(`POST ${this.repoPath}/git/trees`, {
      base_tree: baseTree,
      tree: entries,
    });
    return this.parse(createdSchema, data, 'POST git/trees').sha;
  }

  private async createCommit(change: MergedChange, tree: string, parent: string): Promise<string> {
    const { data } = await this.octokit.request(`POST ${this.repoPath}/git/commits`, {
      message: change.message.endsWith('\n') ? change.message : `${change.message}\n`,
      tree,
      parents: [parent],
      author: identity(change.author),
      ...(this.committer ? { committer: identity(this.committer) } : {}),
    });
    return this.parse(createdSchema, data, 'POST git/commits').sha;
  }

  private async updateRef(commit: string): Promise<void> {
    await this.octokit.request(`PATCH ${this.repoPath}/git/refs/${this.refPath}`, {
      sha: commit,
      force: false,
    });
  }

  // ---- Plumbing --------------------------------------------------------------------------------

  /** A request whose failure becomes a workflow error; returns the response body. */
  private async call(action: string, request: () => Promise<{ data: unknown }>): Promise<unknown> {
    try {
      return (await request()).data;
    } catch (error) {
      throw this.fail(error, action);
    }
  }

  private fail(error: unknown, action: string): Error {
    return gitHubError(error, { owner: this.owner, repo: this.repo, auth: this.auth, action });
  }

  private parse<T>(schema: z.ZodType<T>, data: unknown, what: string): T {
    const parsed = schema.safeParse(data);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const at = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    throw this.malformed(what, `${at}${issue?.message ?? 'unexpected shape'}`);
  }

  private malformed(what: string, detail: string): Error {
    return new WorkflowError(
      'GitHubResponseInvalid',
      `GitHub answered ${what} on ${this.owner}/${this.repo} with an unexpected response (${detail}). Check that the configured API URL is a GitHub REST API.`,
    );
  }
}

export function createGitHubGitOpsRepository(options: GitHubGitOpsRepositoryOptions): GitHubGitOpsRepository {
  return new GitHubGitOpsRepository(options);
}

// ---- Helpers -----------------------------------------------------------------------------------

/** GitHub's words when the head moved under us (so the commit is rebuilt on the new head), else undefined. */
function headMoved(error: unknown): string | undefined {
  const failure = httpFailure(error);
  if (!failure) return undefined;
  const said = gitHubMessage(failure);
  if (failure.status === 409 || (failure.status === 422 && /not a fast.?forward/i.test(said))) return said;
  return undefined;
}

/** Failures that may come from one change of a batch rather than from the repository or the connection. */
function isChangeSpecific(error: unknown): boolean {
  return (
    error instanceof WorkflowError &&
    (error.name === 'GitHubRequestFailed' || error.name === 'GitOpsChangeRejected')
  );
}

/** A commit's page and its diff in GitHub's web view; no request, no credential. */
export function githubLinks(
  repository: { owner: string; repo: string; webUrl?: string | undefined },
  commit: string,
): { commitUrl?: string | undefined; diffUrl?: string | undefined } {
  if (!/^[0-9a-f]{4,64}$/i.test(commit)) return {};
  const web = (repository.webUrl ?? 'https://github.com').replace(/\/+$/, '');
  const base = `${web}/${encodeURIComponent(repository.owner)}/${encodeURIComponent(repository.repo)}`;
  // The compare view of the commit against its parent: the rendered diff, file by file.
  return { commitUrl: `${base}/commit/${commit}`, diffUrl: `${base}/compare/${commit}%5E...${commit}` };
}

/** Each path segment percent-encoded; the slashes kept. */
const encodePath = (path: string) => path.split('/').map(encodeURIComponent).join('/');

const cleanIdent = (value: string) => value.replace(/[<>\n\r\0]/g, '').trim();
const identity = (who: { name: string; email: string }) => ({
  name: cleanIdent(who.name) || 'Wharf',
  email: cleanIdent(who.email) || 'wharf@users.wharf.invalid',
});

/** A commit id, never something else GitHub would read as a branch. */
function revision(commit: string): string {
  if (!/^[0-9a-f]{4,64}$/i.test(commit)) {
    throw invalid('gitops.invalid_commit', `"${commit}" is not a commit id.`);
  }
  return commit.toLowerCase();
}

function prepare(change: GitOpsChange): PreparedChange {
  if (!change.message.trim()) throw invalid('gitops.invalid_change', 'A commit needs a message.');
  const seen = new Set<string>();
  const files = change.files.map((file) => {
    const path = normalizeRepositoryPath(file.path);
    if (seen.has(path)) throw invalid('gitops.invalid_change', `${path} appears twice in one commit.`);
    seen.add(path);
    return { path, content: file.content };
  });
  return {
    message: change.message,
    author: change.author,
    files,
    deletePaths: [...new Set((change.deletePaths ?? []).map(normalizeRepositoryPath))],
  };
}
