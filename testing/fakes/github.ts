import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  verify,
} from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * An in-process fake of the GitHub REST endpoints Wharf's GitOps adapter uses, written from the
 * GitHub REST docs (Git database API: refs, commits, trees, blobs; repository contents; app
 * installation tokens). It holds a real git object store in memory: blob, tree and commit ids are
 * SHA-1 over the same bytes git hashes, trees nest and honour `base_tree` and `sha: null` deletions,
 * and a ref moves only by fast-forward unless forced. Faults can be injected: a concurrent writer
 * (422 "Update is not a fast forward"), 409, primary and secondary rate limits, 5xx, dropped
 * connections and malformed bodies. Every request is counted by kind.
 *
 * A secondary rate limit holds, as GitHub's does: once tripped (by `secondaryRateLimit`, a budget of
 * content-creating requests per window, or by an injected fault) every request it covers is refused
 * with 403 or 429, `retry-after` and GitHub's message until that time has passed, and a request sent
 * meanwhile pushes the end further out ("continuing to make requests while you are rate limited may
 * result in the banning of your integration").
 *
 * Used by the adapter's tests, by the GitOps throughput bench, and by end-to-end tests that point a
 * fake Argo CD at the branch (`onRefUpdate`, `readFile`, `snapshot`).
 */

export type FakeOperation =
  | 'get-repo'
  | 'get-ref'
  | 'create-ref'
  | 'update-ref'
  | 'get-commit'
  | 'create-commit'
  | 'get-tree'
  | 'create-tree'
  | 'get-blob'
  | 'create-blob'
  | 'get-contents'
  | 'access-token'
  | 'unknown';

const CONTENT_CREATING = new Set<FakeOperation>([
  'create-ref',
  'update-ref',
  'create-commit',
  'create-tree',
  'create-blob',
]);

export type FakeFault =
  /** On a ref update: another writer commits to the branch first, so the update is not a fast forward (422). */
  | { kind: 'not-fast-forward' }
  /** 409 Conflict. */
  | { kind: 'conflict' }
  /**
   * Trips the secondary rate limit: this request and every covered one until `retryAfter` seconds
   * have passed get 403 (or `status` 429) with GitHub's message and `retry-after`.
   */
  | {
      kind: 'secondary-rate-limit';
      retryAfter?: number;
      status?: 403 | 429;
      /** What the hold refuses; default content-creating requests, or every request for a read target. */
      holds?: 'write' | 'any';
    }
  /** 403 with `x-ratelimit-remaining: 0` and `x-ratelimit-reset` this many seconds ahead. */
  | { kind: 'rate-limit'; resetInSeconds?: number }
  /** A 5xx (default 502). */
  | { kind: 'server-error'; status?: number }
  /** The connection is dropped without a response. */
  | { kind: 'network' }
  /** A 200/201 whose body has the wrong shape. */
  | { kind: 'malformed' };

/** Which requests a fault applies to: one operation, every content-creating request, every read, or all. */
export type FaultTarget = FakeOperation | 'write' | 'read' | 'any';

export type FaultInjection = FakeFault & {
  /** Default: `update-ref` for not-fast-forward and conflict, `write` for secondary-rate-limit, else `any`. */
  on?: FaultTarget;
  /** Faults to inject at most; default 1, or unbounded with `every`. */
  times?: number;
  /** Only every n-th matching request (counting from the injection). */
  every?: number;
};

export interface FaultHandle {
  /** How many times it fired. */
  readonly injected: number;
  remove(): void;
}

export interface RequestRecord {
  method: string;
  path: string;
  operation: FakeOperation;
  status: number;
  fault?: FakeFault['kind'] | undefined;
}

export interface FakeRequestCounters {
  total: number;
  reads: number;
  /** POST/PATCH to the repository: what GitHub's content-creation secondary limit counts. */
  contentCreating: number;
  /** App installation token requests. */
  auth: number;
  /** Requests refused by a secondary rate limit, the tripping one included. */
  secondaryLimited: number;
  byOperation: Partial<Record<FakeOperation, number>>;
  injected: Partial<Record<FakeFault['kind'], number>>;
  log: RequestRecord[];
}

export interface RefUpdate {
  ref: string;
  branch: string;
  before: string | undefined;
  after: string;
  /** `api`: through the REST API; `direct`: `commitDirectly` or an injected concurrent writer. */
  by: 'api' | 'direct';
}

export interface FakeCommit {
  sha: string;
  tree: string;
  parents: string[];
  message: string;
  author: { name: string; email: string; date: string };
  committer: { name: string; email: string; date: string };
}

export interface FakeGitHubOptions {
  owner: string;
  repo: string;
  /** The default branch; default `main`. */
  branch?: string | undefined;
  /** A token accepted as `Authorization: token …` or `Bearer …`. */
  token?: string | undefined;
  /** A GitHub App: installation tokens are issued to a JWT signed with its key (RS256, `iss` = appId). */
  app?:
    | {
        appId: string | number;
        /** The app's public key; or give its private key and the public half is derived. */
        publicKey?: string | KeyObject | undefined;
        privateKey?: string | KeyObject | undefined;
        installationId?: number | undefined;
      }
    | undefined;
  /** Files of the first commit on the branch; default a README. */
  files?: Record<string, string> | undefined;
  /** A repository without any commit (GitHub answers 409 "Git Repository is empty."). */
  empty?: boolean | undefined;
  /** False: the credentials can read but not write (403 "Resource not accessible by integration"). */
  writeAccess?: boolean | undefined;
  /** Contents API: larger files come without content (GitHub: 1 MB). */
  contentsMaxBytes?: number | undefined;
  /** Recursive tree listings stop (truncated) after this many entries (GitHub: 100,000). */
  maxTreeEntries?: number | undefined;
  /** Delay before each response, to look like a network. */
  latencyMs?: number | undefined;
  /** GitHub's secondary rate limit on content creation; off by default. */
  secondaryRateLimit?: SecondaryRateLimitOptions | undefined;
}

/**
 * GitHub's secondary limit on content creation ("no more than 80 content-generating requests per
 * minute"), and what a limited client gets: 403 or 429 with a message saying so and `retry-after`.
 */
export interface SecondaryRateLimitOptions {
  /** Content-creating requests allowed per window; the next one trips the limit. */
  limit: number;
  /** The sliding window, ms; default 60 000. */
  windowMs?: number | undefined;
  /** Seconds the limit holds once tripped (sent as `retry-after`); default 60. */
  retryAfterSeconds?: number | undefined;
  /** GitHub answers 403 or 429; default 403. */
  status?: 403 | 429 | undefined;
  /** A request during the hold pushes its end out to a full `retry-after` again; default true. */
  extendOnRequest?: boolean | undefined;
  /** What the hold refuses: content-creating requests (default) or every request. */
  holds?: 'write' | 'any' | undefined;
}

export interface FakeGitHub {
  /** The REST API root: pass it as `baseUrl`. */
  readonly url: string;
  readonly owner: string;
  readonly repo: string;
  readonly branch: string;
  /** Live counters; `resetRequests()` zeroes them. */
  readonly requests: FakeRequestCounters;
  resetRequests(): void;
  close(): Promise<void>;
  head(branch?: string): string | undefined;
  /** A file at a commit (or a branch name), or undefined. */
  readFile(commitish: string, path: string): string | undefined;
  /** Every file path at a commit (or branch), sorted; under `prefix` if given. */
  files(commitish?: string, prefix?: string): string[];
  /** Path → content of every file at a commit (or branch), under `prefix` if given. */
  snapshot(commitish?: string, prefix?: string): Record<string, string>;
  /** The branch's history along first parents, newest first. */
  commits(branch?: string): FakeCommit[];
  commit(sha: string): FakeCommit | undefined;
  /** Commits straight to the branch, as another writer would (fires `onRefUpdate`). */
  commitDirectly(change: {
    message: string;
    files?: Record<string, string> | undefined;
    deletePaths?: string[] | undefined;
    branch?: string | undefined;
  }): string;
  /** Creates (or moves) a branch to a commit. */
  setBranch(branch: string, sha: string): void;
  inject(fault: FaultInjection): FaultHandle;
  clearFaults(): void;
  /** Called after every move of any branch; returns an unsubscribe function. */
  onRefUpdate(listener: (update: RefUpdate) => void): () => void;
}

// ---- The object store ----------------------------------------------------------------------------

interface TreeItem {
  name: string;
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  sha: string;
}

/** A tree being edited: loaded from the store, then written back. */
type Node =
  | { kind: 'dir'; children: Map<string, Node> }
  | { kind: 'leaf'; mode: string; type: 'blob' | 'commit'; sha: string };

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly documentation = 'https://docs.github.com/rest',
  ) {
    super(message);
  }
}

const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

class GitStore {
  readonly blobs = new Map<string, Buffer>();
  readonly trees = new Map<string, TreeItem[]>();
  readonly commits = new Map<string, FakeCommit>();
  readonly refs = new Map<string, string>();

  constructor() {
    this.trees.set(EMPTY_TREE, []);
  }

  private static hash(type: string, body: Buffer): string {
    return createHash('sha1')
      .update(Buffer.concat([Buffer.from(`${type} ${body.length}\0`), body]))
      .digest('hex');
  }

  writeBlob(content: Buffer): string {
    const sha = GitStore.hash('blob', content);
    this.blobs.set(sha, content);
    return sha;
  }

  writeTree(items: TreeItem[]): string {
    // git's order: names compared bytewise, a tree's name as if it ended in '/'.
    const key = (item: TreeItem) => Buffer.from(item.type === 'tree' ? `${item.name}/` : item.name);
    const sorted = [...items].sort((a, b) => Buffer.compare(key(a), key(b)));
    const body = Buffer.concat(
      sorted.flatMap((item) => [
        Buffer.from(`${item.mode.replace(/^0+/, '')} ${item.name}\0`),
        Buffer.from(item.sha, 'hex'),
      ]),
    );
    const sha = GitStore.hash('tree', body);
    this.trees.set(sha, sorted);
    return sha;
  }

  writeCommit(input: Omit<FakeCommit, 'sha'>): string {
    const line = (who: FakeCommit['author']) =>
      `${who.name} <${who.email}> ${Math.floor(Date.parse(who.date) / 1000)} +0000`;
    const body = [
      `tree ${input.tree}`,
      ...input.parents.map((p) => `parent ${p}`),
      `author ${line(input.author)}`,
      `committer ${line(input.committer)}`,
      '',
      input.message,
    ].join('\n');
    const sha = GitStore.hash('commit', Buffer.from(body));
    this.commits.set(sha, { sha, ...input });
    return sha;
  }

  load(tree: string): Map<string, Node> {
    const children = new Map<string, Node>();
    for (const item of this.trees.get(tree) ?? []) {
      children.set(
        item.name,
        item.type === 'tree'
          ? { kind: 'dir', children: this.load(item.sha) }
          : { kind: 'leaf', mode: item.mode, type: item.type, sha: item.sha },
      );
    }
    return children;
  }

  /** Writes a tree being edited; empty folders disappear, as in git. Undefined when empty. */
  persist(children: Map<string, Node>): string | undefined {
    const items: TreeItem[] = [];
    for (const [name, node] of children) {
      if (node.kind === 'leaf') items.push({ name, mode: node.mode, type: node.type, sha: node.sha });
      else {
        const sha = this.persist(node.children);
        if (sha) items.push({ name, mode: '040000', type: 'tree', sha });
      }
    }
    return items.length ? this.writeTree(items) : undefined;
  }

  /** Every entry under a tree with its full path; folders too when `withTrees`. */
  walk(tree: string, prefix = '', withTrees = false): Array<TreeItem & { path: string }> {
    const out: Array<TreeItem & { path: string }> = [];
    for (const item of this.trees.get(tree) ?? []) {
      const path = prefix ? `${prefix}/${item.name}` : item.name;
      if (item.type === 'tree') {
        if (withTrees) out.push({ ...item, path });
        out.push(...this.walk(item.sha, path, withTrees));
      } else out.push({ ...item, path });
    }
    return out;
  }

  /** The entry at a path in a tree (the root tree for ''). */
  find(tree: string, path: string): TreeItem | undefined {
    if (!path) return { name: '', mode: '040000', type: 'tree', sha: tree };
    let current: TreeItem | undefined = { name: '', mode: '040000', type: 'tree', sha: tree };
    for (const part of path.split('/')) {
      if (current?.type !== 'tree') return undefined;
      current = this.trees.get(current.sha)?.find((item) => item.name === part);
    }
    return current;
  }

  isAncestor(ancestor: string, descendant: string): boolean {
    const queue = [descendant];
    const seen = new Set<string>();
    while (queue.length) {
      const sha = queue.shift() as string;
      if (sha === ancestor) return true;
      if (seen.has(sha)) continue;
      seen.add(sha);
      queue.push(...(this.commits.get(sha)?.parents ?? []));
    }
    return false;
  }

  /** A commit id, an unambiguous abbreviation (≥ 4), a branch, `heads/x` or `refs/heads/x`. */
  resolve(commitish: string): string | undefined {
    if (this.commits.has(commitish)) return commitish;
    const branch = commitish.replace(/^refs\//, '').replace(/^heads\//, '');
    const ref = this.refs.get(branch);
    if (ref) return ref;
    if (/^[0-9a-f]{4,39}$/.test(commitish)) {
      const matches = [...this.commits.keys()].filter((sha) => sha.startsWith(commitish));
      if (matches.length === 1) return matches[0];
    }
    return undefined;
  }
}

// ---- The server ----------------------------------------------------------------------------------

/** How early a request may arrive at the end of a hold and still count as after it. */
const CLOCK_SLACK_MS = 2;

const DOCS = {
  refs: 'https://docs.github.com/rest/git/refs#update-a-reference',
  trees: 'https://docs.github.com/rest/git/trees#create-a-tree',
  commits: 'https://docs.github.com/rest/git/commits#create-a-commit',
  secondary:
    'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
  primary: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits',
  contents: 'https://docs.github.com/rest/repos/contents#get-repository-content',
};

interface ActiveFault {
  fault: FaultInjection;
  seen: number;
  injected: number;
}

const emptyCounters = (): FakeRequestCounters => ({
  total: 0,
  reads: 0,
  contentCreating: 0,
  auth: 0,
  secondaryLimited: 0,
  byOperation: {},
  injected: {},
  log: [],
});

/** An RSA key pair for a fake GitHub App (PKCS#8 private key, as GitHub's .pem after conversion). */
export function generateAppKeyPair(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKey, publicKey };
}

export async function startFakeGitHub(options: FakeGitHubOptions): Promise<FakeGitHub> {
  const owner = options.owner;
  const repo = options.repo;
  const defaultBranch = options.branch ?? 'main';
  const store = new GitStore();
  const counters = emptyCounters();
  const faults: ActiveFault[] = [];
  const listeners = new Set<(update: RefUpdate) => void>();
  const installationTokens = new Map<string, number>(); // token → expiry (ms)
  const contentsMaxBytes = options.contentsMaxBytes ?? 1024 * 1024;
  const maxTreeEntries = options.maxTreeEntries ?? 100_000;
  const appKey = options.app
    ? createPublicKey((options.app.publicKey ?? options.app.privateKey) as string | KeyObject)
    : undefined;
  const installationId = options.app?.installationId ?? 1;
  let concurrentWrites = 0;
  let requestSeq = 0;
  let serverUrl = '';

  // ---- Secondary rate limit ----

  /** When each accepted content-creating request went out, within the limit's window. */
  const writeStamps: number[] = [];
  let hold: { until: number; seconds: number; status: 403 | 429; holds: 'write' | 'any' } | undefined;
  const extendHold = options.secondaryRateLimit?.extendOnRequest ?? true;

  const secondaryLimitError = (status: 403 | 429, seconds: number) =>
    new HttpError(
      status,
      `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${requestId()}.`,
      { 'retry-after': String(Math.max(1, seconds)) },
      DOCS.secondary,
    );

  function tripSecondaryLimit(seconds: number, status: 403 | 429, holds: 'write' | 'any'): HttpError {
    hold = { until: Date.now() + seconds * 1000, seconds, status, holds };
    // The hold replaces the window: once it has passed, the budget starts afresh.
    writeStamps.length = 0;
    return secondaryLimitError(status, seconds);
  }

  /** The limited answer while a hold covers this request; otherwise counts a write against the window. */
  function secondaryLimit(operation: FakeOperation): HttpError | undefined {
    const write = CONTENT_CREATING.has(operation);
    const t = Date.now();
    // Date.now and the timers a client waits on round differently: a millisecond is not "early".
    if (hold && t >= hold.until - CLOCK_SLACK_MS) hold = undefined;
    if (hold && (write || hold.holds === 'any')) {
      if (extendHold) hold.until = Math.max(hold.until, t + hold.seconds * 1000);
      return secondaryLimitError(hold.status, Math.ceil((hold.until - t) / 1000));
    }
    const limit = options.secondaryRateLimit;
    if (!write || !limit) return undefined;
    const windowMs = limit.windowMs ?? 60_000;
    while (writeStamps.length > 0 && (writeStamps[0] as number) <= t - windowMs) writeStamps.shift();
    if (writeStamps.length >= limit.limit) {
      return tripSecondaryLimit(limit.retryAfterSeconds ?? 60, limit.status ?? 403, limit.holds ?? 'write');
    }
    writeStamps.push(t);
    return undefined;
  }

  const now = () => new Date().toISOString();
  const fakeIdentity = () => ({ name: 'Fake GitHub', email: 'noreply@github.com', date: now() });

  function moveRef(branch: string, after: string, by: RefUpdate['by']) {
    const before = store.refs.get(branch);
    store.refs.set(branch, after);
    const update: RefUpdate = { ref: `refs/heads/${branch}`, branch, before, after, by };
    for (const listener of listeners) {
      try {
        listener(update);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  function commitDirectly(change: {
    message: string;
    files?: Record<string, string> | undefined;
    deletePaths?: string[] | undefined;
    branch?: string | undefined;
  }): string {
    const branch = change.branch ?? defaultBranch;
    const parent = store.refs.get(branch);
    const root = parent
      ? store.load((store.commits.get(parent) as FakeCommit).tree)
      : new Map<string, Node>();
    for (const path of change.deletePaths ?? []) removePath(root, path);
    for (const [path, content] of Object.entries(change.files ?? {})) {
      setPath(root, path, {
        kind: 'leaf',
        mode: '100644',
        type: 'blob',
        sha: store.writeBlob(Buffer.from(content)),
      });
    }
    const tree = store.persist(root) ?? EMPTY_TREE;
    const who = { name: 'Another Writer', email: 'another-writer@example.com', date: now() };
    const sha = store.writeCommit({
      tree,
      parents: parent ? [parent] : [],
      message: change.message,
      author: who,
      committer: who,
    });
    moveRef(branch, sha, 'direct');
    return sha;
  }

  if (!options.empty) {
    commitDirectly({ message: 'Initial commit', files: options.files ?? { 'README.md': `# ${repo}\n` } });
  }

  // ---- Routing ----

  interface Route {
    operation: FakeOperation;
    handle: (body: unknown, query: URLSearchParams) => { status: number; body: unknown };
  }

  function route(method: string, pathname: string, query: URLSearchParams): Route | undefined {
    const token = pathname.match(/^\/app\/installations\/(\d+)\/access_tokens$/);
    if (token && method === 'POST') {
      return { operation: 'access-token', handle: () => issueToken(Number(token[1])) };
    }
    const m = pathname.match(/^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/);
    if (!m) return undefined;
    const [, o = '', r = '', rest = ''] = m;
    if (dec(o).toLowerCase() !== owner.toLowerCase() || dec(r).toLowerCase() !== repo.toLowerCase()) {
      return { operation: 'unknown', handle: () => notFound() };
    }
    const routes: Array<[string, RegExp, (hit: RegExpMatchArray) => Route]> = [
      ['GET', /^$/, () => ({ operation: 'get-repo', handle: getRepo })],
      [
        'GET',
        /^\/git\/ref\/(.+)$/,
        (hit) => ({ operation: 'get-ref', handle: () => getRef(dec(at(hit, 1))) }),
      ],
      [
        'PATCH',
        /^\/git\/refs\/(.+)$/,
        (hit) => ({ operation: 'update-ref', handle: (body) => updateRef(dec(at(hit, 1)), body) }),
      ],
      ['POST', /^\/git\/refs$/, () => ({ operation: 'create-ref', handle: createRef })],
      [
        'GET',
        /^\/git\/commits\/([0-9a-fA-F]+)$/,
        (hit) => ({ operation: 'get-commit', handle: () => getCommit(at(hit, 1).toLowerCase()) }),
      ],
      ['POST', /^\/git\/commits$/, () => ({ operation: 'create-commit', handle: createCommit })],
      [
        'GET',
        /^\/git\/trees\/(.+)$/,
        (hit) => ({
          operation: 'get-tree',
          handle: () =>
            getTree(
              dec(at(hit, 1)),
              query.has('recursive') && !['0', 'false'].includes(query.get('recursive') ?? ''),
            ),
        }),
      ],
      ['POST', /^\/git\/trees$/, () => ({ operation: 'create-tree', handle: createTree })],
      [
        'GET',
        /^\/git\/blobs\/([0-9a-fA-F]+)$/,
        (hit) => ({ operation: 'get-blob', handle: () => getBlob(at(hit, 1).toLowerCase()) }),
      ],
      ['POST', /^\/git\/blobs$/, () => ({ operation: 'create-blob', handle: createBlob })],
      [
        'GET',
        /^\/contents(?:\/(.*))?$/,
        (hit) => ({
          operation: 'get-contents',
          handle: () =>
            getContents(
              (hit[1] ?? '').split('/').filter(Boolean).map(dec).join('/'),
              query.get('ref') ?? undefined,
            ),
        }),
      ],
    ];
    for (const [verb, pattern, make] of routes) {
      const hit = verb === method ? rest.match(pattern) : null;
      if (hit) return make(hit);
    }
    return { operation: 'unknown', handle: () => notFound() };
  }

  const notFound = (): never => {
    throw new HttpError(404, 'Not Found');
  };
  const repoUrl = () => `${serverUrl}/repos/${owner}/${repo}`;

  function requireRepository() {
    if (store.refs.size === 0) throw new HttpError(409, 'Git Repository is empty.');
  }

  function getRepo() {
    return {
      status: 200,
      body: {
        id: 1,
        name: repo,
        full_name: `${owner}/${repo}`,
        owner: { login: owner },
        private: true,
        default_branch: defaultBranch,
        size: store.refs.size ? 1 : 0,
        html_url: `https://github.com/${owner}/${repo}`,
      },
    };
  }

  const refBody = (branch: string, sha: string) => ({
    ref: `refs/heads/${branch}`,
    node_id: `REF_${branch}`,
    url: `${repoUrl()}/git/refs/heads/${branch}`,
    object: { sha, type: 'commit', url: `${repoUrl()}/git/commits/${sha}` },
  });

  const branchOf = (ref: string) => {
    const name = ref.replace(/^refs\//, '');
    if (!name.startsWith('heads/')) throw new HttpError(404, 'Not Found');
    return name.slice('heads/'.length);
  };

  function getRef(ref: string) {
    requireRepository();
    const branch = branchOf(ref);
    const sha = store.refs.get(branch);
    if (!sha) throw new HttpError(404, 'Not Found', {}, DOCS.refs);
    return { status: 200, body: refBody(branch, sha) };
  }

  function updateRef(ref: string, body: unknown) {
    requireRepository();
    const branch = branchOf(ref);
    const input = body as { sha?: unknown; force?: unknown };
    if (typeof input?.sha !== 'string')
      throw new HttpError(422, 'Invalid request.\n\n"sha" wasn\'t supplied.');
    const current = store.refs.get(branch);
    if (!current) throw new HttpError(422, 'Reference does not exist', {}, DOCS.refs);
    if (!store.commits.has(input.sha)) throw new HttpError(422, 'Object does not exist', {}, DOCS.refs);
    if (input.force !== true && !store.isAncestor(current, input.sha)) {
      throw new HttpError(422, 'Update is not a fast forward', {}, DOCS.refs);
    }
    moveRef(branch, input.sha, 'api');
    return { status: 200, body: refBody(branch, input.sha) };
  }

  function createRef(body: unknown) {
    const input = body as { ref?: unknown; sha?: unknown };
    if (
      typeof input?.ref !== 'string' ||
      typeof input.sha !== 'string' ||
      !input.ref.startsWith('refs/heads/')
    ) {
      throw new HttpError(422, 'Reference name is invalid', {}, DOCS.refs);
    }
    if (!store.commits.has(input.sha)) throw new HttpError(422, 'Object does not exist', {}, DOCS.refs);
    const branch = input.ref.slice('refs/heads/'.length);
    if (store.refs.has(branch)) throw new HttpError(422, 'Reference already exists', {}, DOCS.refs);
    moveRef(branch, input.sha, 'api');
    return { status: 201, body: refBody(branch, input.sha) };
  }

  const commitBody = (commit: FakeCommit) => ({
    sha: commit.sha,
    node_id: `C_${commit.sha}`,
    url: `${repoUrl()}/git/commits/${commit.sha}`,
    html_url: `https://github.com/${owner}/${repo}/commit/${commit.sha}`,
    author: commit.author,
    committer: commit.committer,
    message: commit.message,
    tree: { sha: commit.tree, url: `${repoUrl()}/git/trees/${commit.tree}` },
    parents: commit.parents.map((p) => ({
      sha: p,
      url: `${repoUrl()}/git/commits/${p}`,
      html_url: `https://github.com/${owner}/${repo}/commit/${p}`,
    })),
    verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
  });

  function getCommit(sha: string) {
    requireRepository();
    const commit = store.commits.get(sha);
    if (!commit) throw new HttpError(404, 'Not Found');
    return { status: 200, body: commitBody(commit) };
  }

  function createCommit(body: unknown) {
    requireRepository();
    const input = body as {
      message?: unknown;
      tree?: unknown;
      parents?: unknown;
      author?: { name?: unknown; email?: unknown; date?: unknown };
      committer?: { name?: unknown; email?: unknown; date?: unknown };
    };
    if (typeof input?.message !== 'string')
      throw new HttpError(422, 'Invalid request.\n\n"message" wasn\'t supplied.');
    if (typeof input.tree !== 'string' || !store.trees.has(input.tree)) {
      throw new HttpError(422, 'Tree SHA does not exist', {}, DOCS.commits);
    }
    const parents = Array.isArray(input.parents) ? input.parents : [];
    for (const p of parents) {
      if (typeof p !== 'string' || !store.commits.has(p)) {
        throw new HttpError(422, 'Parent SHA does not exist or is not a commit object', {}, DOCS.commits);
      }
    }
    const person = (who: typeof input.author, fallback: FakeCommit['author']) =>
      who && typeof who.name === 'string' && typeof who.email === 'string'
        ? { name: who.name, email: who.email, date: typeof who.date === 'string' ? who.date : now() }
        : fallback;
    const author = person(input.author, fakeIdentity());
    const sha = store.writeCommit({
      tree: input.tree,
      parents: parents as string[],
      message: input.message,
      author,
      committer: person(input.committer, author),
    });
    return { status: 201, body: commitBody(store.commits.get(sha) as FakeCommit) };
  }

  const treeEntryBody = (item: TreeItem & { path?: string }) => ({
    path: item.path ?? item.name,
    mode: item.mode,
    type: item.type,
    sha: item.sha,
    ...(item.type === 'blob' ? { size: store.blobs.get(item.sha)?.length ?? 0 } : {}),
    url: `${repoUrl()}/git/${item.type === 'tree' ? 'trees' : 'blobs'}/${item.sha}`,
  });

  function getTree(shaOrRef: string, recursive: boolean) {
    requireRepository();
    let tree = store.trees.has(shaOrRef) ? shaOrRef : undefined;
    if (!tree) {
      const commit = store.resolve(shaOrRef);
      tree = commit ? store.commits.get(commit)?.tree : undefined;
    }
    if (!tree) throw new HttpError(404, 'Not Found');
    const entries = recursive
      ? store.walk(tree, '', true)
      : (store.trees.get(tree) ?? []).map((item) => ({ ...item, path: item.name }));
    const truncated = entries.length > maxTreeEntries;
    return {
      status: 200,
      body: {
        sha: tree,
        url: `${repoUrl()}/git/trees/${tree}`,
        tree: entries.slice(0, maxTreeEntries).map(treeEntryBody),
        truncated,
      },
    };
  }

  function createTree(body: unknown) {
    requireRepository();
    const input = body as { base_tree?: unknown; tree?: unknown };
    if (!Array.isArray(input?.tree)) throw new HttpError(422, 'Invalid request.\n\n"tree" wasn\'t supplied.');
    let root = new Map<string, Node>();
    if (input.base_tree !== undefined && input.base_tree !== null) {
      if (typeof input.base_tree !== 'string' || !store.trees.has(input.base_tree)) {
        throw new HttpError(
          422,
          `base_tree ${String(input.base_tree)} is not a valid tree oid`,
          {},
          DOCS.trees,
        );
      }
      root = store.load(input.base_tree);
    }
    for (const raw of input.tree as unknown[]) {
      const entry = raw as {
        path?: unknown;
        mode?: unknown;
        type?: unknown;
        sha?: unknown;
        content?: unknown;
      };
      const path = typeof entry?.path === 'string' ? entry.path : '';
      if (
        !path ||
        path.startsWith('/') ||
        path.endsWith('/') ||
        path.split('/').some((p) => !p || p === '.' || p === '..')
      ) {
        throw new HttpError(422, `tree.path ${JSON.stringify(entry?.path)} is invalid`, {}, DOCS.trees);
      }
      if (!['100644', '100755', '040000', '160000', '120000'].includes(String(entry.mode))) {
        throw new HttpError(422, `tree.mode ${JSON.stringify(entry.mode)} is invalid`, {}, DOCS.trees);
      }
      if (!['blob', 'tree', 'commit'].includes(String(entry.type))) {
        throw new HttpError(422, `tree.type ${JSON.stringify(entry.type)} is invalid`, {}, DOCS.trees);
      }
      const hasSha = 'sha' in entry;
      const hasContent = typeof entry.content === 'string';
      if (hasSha === hasContent) {
        throw new HttpError(422, 'Must supply either tree.sha or tree.content and not both', {}, DOCS.trees);
      }
      if (hasSha && entry.sha === null) {
        if (!removePath(root, path)) {
          throw new HttpError(422, `tree.path ${path} does not exist and cannot be deleted`, {}, DOCS.trees);
        }
        continue;
      }
      if (hasContent) {
        if (entry.type !== 'blob')
          throw new HttpError(422, 'tree.content requires type blob', {}, DOCS.trees);
        const sha = store.writeBlob(Buffer.from(entry.content as string, 'utf8'));
        setPath(root, path, { kind: 'leaf', mode: String(entry.mode), type: 'blob', sha });
        continue;
      }
      const sha = String(entry.sha);
      if (entry.type === 'tree') {
        if (!store.trees.has(sha))
          throw new HttpError(422, `tree.sha ${sha} is not a valid tree`, {}, DOCS.trees);
        setPath(root, path, { kind: 'dir', children: store.load(sha) });
      } else if (entry.type === 'blob') {
        if (!store.blobs.has(sha))
          throw new HttpError(422, `tree.sha ${sha} is not a valid blob`, {}, DOCS.trees);
        setPath(root, path, { kind: 'leaf', mode: String(entry.mode), type: 'blob', sha });
      } else {
        setPath(root, path, { kind: 'leaf', mode: '160000', type: 'commit', sha });
      }
    }
    const tree = store.persist(root) ?? EMPTY_TREE;
    return {
      status: 201,
      body: {
        sha: tree,
        url: `${repoUrl()}/git/trees/${tree}`,
        tree: (store.trees.get(tree) ?? []).map(treeEntryBody),
        truncated: false,
      },
    };
  }

  function getBlob(sha: string) {
    requireRepository();
    const blob = store.blobs.get(sha);
    if (!blob) throw new HttpError(404, 'Not Found');
    return {
      status: 200,
      body: {
        sha,
        node_id: `B_${sha}`,
        size: blob.length,
        url: `${repoUrl()}/git/blobs/${sha}`,
        content: wrap64(blob),
        encoding: 'base64',
      },
    };
  }

  function createBlob(body: unknown) {
    requireRepository();
    const input = body as { content?: unknown; encoding?: unknown };
    if (typeof input?.content !== 'string')
      throw new HttpError(422, 'Invalid request.\n\n"content" wasn\'t supplied.');
    const encoding = input.encoding ?? 'utf-8';
    if (encoding !== 'utf-8' && encoding !== 'base64') {
      throw new HttpError(422, `encoding ${String(encoding)} is not supported`);
    }
    const sha = store.writeBlob(Buffer.from(input.content, encoding === 'base64' ? 'base64' : 'utf8'));
    return { status: 201, body: { sha, url: `${repoUrl()}/git/blobs/${sha}` } };
  }

  function getContents(path: string, ref: string | undefined) {
    if (store.refs.size === 0) throw new HttpError(404, 'This repository is empty.', {}, DOCS.contents);
    const commit = store.resolve(ref ?? defaultBranch);
    if (!commit)
      throw new HttpError(404, `No commit found for the ref ${ref ?? defaultBranch}`, {}, DOCS.contents);
    const tree = (store.commits.get(commit) as FakeCommit).tree;
    const item = store.find(tree, path);
    if (!item) throw new HttpError(404, 'Not Found', {}, DOCS.contents);
    const links = (p: string, sha: string, type: string) => ({
      url: `${repoUrl()}/contents/${p}?ref=${ref ?? defaultBranch}`,
      git_url: `${repoUrl()}/git/${type === 'dir' ? 'trees' : 'blobs'}/${sha}`,
      html_url: `https://github.com/${owner}/${repo}/${type === 'dir' ? 'tree' : 'blob'}/${commit}/${p}`,
    });
    if (item.type === 'tree') {
      return {
        status: 200,
        body: (store.trees.get(item.sha) ?? []).map((child) => {
          const p = path ? `${path}/${child.name}` : child.name;
          const type = child.type === 'tree' ? 'dir' : child.type === 'commit' ? 'submodule' : 'file';
          return {
            type,
            name: child.name,
            path: p,
            sha: child.sha,
            size: store.blobs.get(child.sha)?.length ?? 0,
            ...links(p, child.sha, type),
          };
        }),
      };
    }
    const blob = store.blobs.get(item.sha) ?? Buffer.alloc(0);
    const type = item.type === 'commit' ? 'submodule' : item.mode === '120000' ? 'symlink' : 'file';
    const large = blob.length > contentsMaxBytes;
    return {
      status: 200,
      body: {
        type,
        encoding: large ? 'none' : 'base64',
        size: blob.length,
        name: path.split('/').at(-1),
        path,
        content: large ? '' : wrap64(blob),
        sha: item.sha,
        ...links(path, item.sha, type),
      },
    };
  }

  function issueToken(id: number) {
    if (!options.app || !appKey) throw new HttpError(404, 'Not Found');
    if (id !== installationId) throw new HttpError(404, 'Not Found');
    const token = `ghs_${randomBytes(18).toString('hex')}`;
    const expires = Date.now() + 3_600_000;
    installationTokens.set(token, expires);
    return {
      status: 201,
      body: {
        token,
        expires_at: new Date(expires).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        permissions: { contents: options.writeAccess === false ? 'read' : 'write', metadata: 'read' },
        repository_selection: 'selected',
      },
    };
  }

  // ---- Authentication ----

  type Caller = { kind: 'token' | 'installation' | 'any' } | { kind: 'app-jwt' };

  function authenticate(header: string | undefined, operation: FakeOperation): Caller {
    const match = header?.match(/^(token|bearer)\s+(\S+)$/i);
    if (!match) throw new HttpError(401, 'Requires authentication');
    const credential = match[2] as string;
    if (operation === 'access-token') {
      verifyAppJwt(credential);
      return { kind: 'app-jwt' };
    }
    if (options.token !== undefined && credential === options.token) return { kind: 'token' };
    const expiry = installationTokens.get(credential);
    if (expiry !== undefined && expiry > Date.now()) return { kind: 'installation' };
    if (options.token === undefined && !options.app) return { kind: 'any' };
    throw new HttpError(401, 'Bad credentials');
  }

  function verifyAppJwt(jwt: string) {
    const undecodable = new HttpError(401, 'A JSON web token could not be decoded');
    if (!appKey || !options.app) throw undecodable;
    const [header, payload, signature] = jwt.split('.');
    if (!header || !payload || !signature) throw undecodable;
    let claims: { iss?: unknown; iat?: unknown; exp?: unknown };
    try {
      const head = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: string };
      if (head.alg !== 'RS256') throw undecodable;
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw undecodable;
    }
    const ok = verify(
      'RSA-SHA256',
      Buffer.from(`${header}.${payload}`),
      appKey,
      Buffer.from(signature, 'base64url'),
    );
    if (!ok || String(claims.iss) !== String(options.app.appId)) throw undecodable;
    const seconds = Date.now() / 1000;
    if (typeof claims.exp !== 'number' || claims.exp < seconds) {
      throw new HttpError(
        401,
        "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
      );
    }
    if (typeof claims.iat !== 'number' || claims.iat > seconds + 60 || claims.exp - claims.iat > 660) {
      throw new HttpError(401, "'Expiration time' claim ('exp') is too far in the future");
    }
  }

  // ---- Faults ----

  function matches(target: FaultTarget, operation: FakeOperation) {
    if (target === 'any') return true;
    if (target === 'write') return CONTENT_CREATING.has(operation);
    if (target === 'read') return !CONTENT_CREATING.has(operation) && operation !== 'access-token';
    return target === operation;
  }

  function defaultTarget(fault: FaultInjection): FaultTarget {
    if (fault.on) return fault.on;
    if (fault.kind === 'not-fast-forward' || fault.kind === 'conflict') return 'update-ref';
    if (fault.kind === 'secondary-rate-limit') return 'write';
    return 'any';
  }

  function dueFault(operation: FakeOperation): FakeFault | undefined {
    for (const active of faults) {
      const limit = active.fault.times ?? (active.fault.every ? Number.POSITIVE_INFINITY : 1);
      if (active.injected >= limit || !matches(defaultTarget(active.fault), operation)) continue;
      active.seen++;
      if (active.fault.every && active.seen % active.fault.every !== 0) continue;
      active.injected++;
      return active.fault;
    }
    return undefined;
  }

  /** Applies a fault: throws the error response, or returns 'drop' / a malformed body. */
  function applyFault(
    fault: FakeFault,
    operation: FakeOperation,
  ): 'drop' | { status: number; body: unknown } | undefined {
    switch (fault.kind) {
      case 'not-fast-forward':
        // Another writer gets there first; the request itself then fails as GitHub would.
        concurrentWrites++;
        commitDirectly({
          message: `Concurrent change ${concurrentWrites}`,
          files: { [`concurrent/change-${concurrentWrites}.txt`]: `change ${concurrentWrites}\n` },
        });
        return undefined;
      case 'conflict':
        throw new HttpError(409, 'Conflict', {}, DOCS.refs);
      case 'secondary-rate-limit': {
        // Tripped by a write, the hold covers writes; tripped by a read, everything.
        const holds = fault.holds ?? (CONTENT_CREATING.has(operation) ? 'write' : 'any');
        throw tripSecondaryLimit(fault.retryAfter ?? 1, fault.status ?? 403, holds);
      }
      case 'rate-limit':
        throw new HttpError(
          403,
          `API rate limit exceeded for installation ID ${installationId}.`,
          {
            'x-ratelimit-remaining': '0',
            'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + (fault.resetInSeconds ?? 1)),
          },
          DOCS.primary,
        );
      case 'server-error':
        throw new HttpError(fault.status ?? 502, 'Server Error');
      case 'network':
        return 'drop';
      case 'malformed':
        return { status: CONTENT_CREATING.has(operation) ? 201 : 200, body: { unexpected: true } };
    }
  }

  // ---- HTTP ----

  const requestId = () => `F${(++requestSeq).toString(16).toUpperCase().padStart(4, '0')}:FAKE`;

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(text)),
      'x-github-request-id': requestId(),
      'x-github-api-version-selected': '2022-11-28',
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 3600),
      'x-ratelimit-used': '1',
      'x-ratelimit-resource': 'core',
      ...headers,
    });
    res.end(text);
  }

  async function readBody(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (chunks.length === 0) return undefined;
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      throw new HttpError(400, 'Problems parsing JSON');
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const found = route(method, url.pathname, url.searchParams);
    const operation = found?.operation ?? 'unknown';
    const record: RequestRecord = { method, path: `${url.pathname}${url.search}`, operation, status: 0 };
    counters.total++;
    counters.byOperation[operation] = (counters.byOperation[operation] ?? 0) + 1;
    if (operation === 'access-token') counters.auth++;
    else if (CONTENT_CREATING.has(operation)) counters.contentCreating++;
    else counters.reads++;
    counters.log.push(record);
    try {
      const body = await readBody(req);
      if (options.latencyMs) await sleep(options.latencyMs);
      if (!found) throw new HttpError(404, 'Not Found');
      const caller = authenticate(req.headers.authorization, operation);
      const limited = operation === 'access-token' ? undefined : secondaryLimit(operation);
      if (limited) {
        record.fault = 'secondary-rate-limit';
        counters.secondaryLimited++;
        throw limited;
      }
      const fault = dueFault(operation);
      if (fault) {
        record.fault = fault.kind;
        if (fault.kind === 'secondary-rate-limit') counters.secondaryLimited++;
        counters.injected[fault.kind] = (counters.injected[fault.kind] ?? 0) + 1;
        const outcome = applyFault(fault, operation);
        if (outcome === 'drop') {
          record.status = -1;
          req.socket.destroy();
          return;
        }
        if (outcome) {
          record.status = outcome.status;
          send(res, outcome.status, outcome.body);
          return;
        }
      }
      if (CONTENT_CREATING.has(operation) && options.writeAccess === false) {
        throw new HttpError(
          403,
          caller.kind === 'installation'
            ? 'Resource not accessible by integration'
            : 'Resource not accessible by personal access token',
        );
      }
      const result = found.handle(body, url.searchParams);
      record.status = result.status;
      send(res, result.status, result.body);
    } catch (error) {
      const failure =
        error instanceof HttpError
          ? error
          : new HttpError(500, error instanceof Error ? error.message : 'Server Error');
      record.status = failure.status;
      send(
        res,
        failure.status,
        {
          message: failure.message,
          documentation_url: failure.documentation,
          status: String(failure.status),
        },
        failure.headers,
      );
    }
  }

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const atCommit = (commitish: string | undefined) => {
    const sha = store.resolve(commitish ?? defaultBranch);
    return sha ? store.commits.get(sha) : undefined;
  };

  return {
    url: serverUrl,
    owner,
    repo,
    branch: defaultBranch,
    requests: counters,
    resetRequests() {
      Object.assign(counters, emptyCounters());
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    head: (branch) => store.refs.get(branch ?? defaultBranch),
    readFile(commitish, path) {
      const commit = atCommit(commitish);
      const item = commit ? store.find(commit.tree, path.replace(/^\/+/, '')) : undefined;
      return item && item.type === 'blob' ? store.blobs.get(item.sha)?.toString('utf8') : undefined;
    },
    files(commitish, prefix) {
      const commit = atCommit(commitish);
      if (!commit) return [];
      return store
        .walk(commit.tree)
        .map((item) => item.path)
        .filter((path) => !prefix || path === prefix || path.startsWith(`${prefix.replace(/\/+$/, '')}/`))
        .sort();
    },
    snapshot(commitish, prefix) {
      const commit = atCommit(commitish);
      const out: Record<string, string> = {};
      if (!commit) return out;
      for (const item of store.walk(commit.tree)) {
        if (prefix && item.path !== prefix && !item.path.startsWith(`${prefix.replace(/\/+$/, '')}/`))
          continue;
        if (item.type === 'blob') out[item.path] = store.blobs.get(item.sha)?.toString('utf8') ?? '';
      }
      return out;
    },
    commits(branch) {
      const out: FakeCommit[] = [];
      let sha = store.refs.get(branch ?? defaultBranch);
      while (sha) {
        const commit = store.commits.get(sha);
        if (!commit) break;
        out.push(commit);
        sha = commit.parents[0];
      }
      return out;
    },
    commit: (sha) => store.commits.get(sha),
    commitDirectly,
    setBranch(branch, sha) {
      if (!store.commits.has(sha)) throw new Error(`The fake GitHub has no commit ${sha}.`);
      moveRef(branch, sha, 'direct');
    },
    inject(fault) {
      const active: ActiveFault = { fault, seen: 0, injected: 0 };
      faults.push(active);
      return {
        get injected() {
          return active.injected;
        },
        remove() {
          const i = faults.indexOf(active);
          if (i >= 0) faults.splice(i, 1);
        },
      };
    },
    clearFaults() {
      faults.splice(0);
    },
    onRefUpdate(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

// ---- Tree editing ----------------------------------------------------------------------------------

function setPath(root: Map<string, Node>, path: string, node: Node) {
  const parts = path.split('/');
  let dir = root;
  for (const part of parts.slice(0, -1)) {
    let next = dir.get(part);
    if (!next) {
      next = { kind: 'dir', children: new Map() };
      dir.set(part, next);
    }
    if (next.kind !== 'dir')
      throw new HttpError(422, `tree.path ${path} conflicts with the file ${part}`, {}, DOCS.trees);
    dir = next.children;
  }
  dir.set(parts.at(-1) as string, node);
}

/** Removes a file or folder; false when nothing was there. */
function removePath(root: Map<string, Node>, path: string): boolean {
  const parts = path.replace(/^\/+|\/+$/g, '').split('/');
  let dir = root;
  for (const part of parts.slice(0, -1)) {
    const next = dir.get(part);
    if (next?.kind !== 'dir') return false;
    dir = next.children;
  }
  return dir.delete(parts.at(-1) as string);
}

const at = (hit: RegExpMatchArray, i: number) => hit[i] ?? '';

const dec = (segment: string) => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

/** Base64 in lines of 60 characters, as GitHub sends file content. */
const wrap64 = (content: Buffer) => `${(content.toString('base64').match(/.{1,60}/g) ?? []).join('\n')}\n`;
