import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GitOpsChange, GitOpsRepository } from '../../../shared/deploy-ports.ts';
import { invalid } from '../../../shared/errors.ts';
import { normalizeRepositoryPath } from '../../../shared/gitops-path.ts';
import { GitError, git, gitLine } from './git.ts';

export interface LocalGitRepositoryOptions {
  /** The bare repository's directory; created on first use. */
  dir: string;
  branch?: 'main' | undefined;
  /** Who commits; the author comes from each change. */
  committer?: { name: string; email: string } | undefined;
  /** How often a commit is rebuilt when another writer moved the branch meanwhile. */
  maxAttempts?: number | undefined;
  /** Told each commit this process makes that changed the branch (the local reconciler's refresh). */
  onCommit?: ((commit: string) => void) | undefined;
}

const README = `# Wharf GitOps repository

Written only by Wharf. \`bootstrap/\` holds the Argo CD app-of-apps, the ApplicationSet and one
AppProject per workspace; \`apps/<workspace>/<user>/<project>/<environment>/\` holds each app's
release.json, values.yaml and the rendered manifests.yaml that Argo CD applies as they are.
`;

const FILE_MODE = '100644';

/**
 * The GitOps repository of the local stack: a real bare git repository on disk that the local
 * reconciler and people can clone. Commits never touch a work tree: each is built in a temporary
 * index from the branch head (read-tree, update-index, write-tree, commit-tree) and published with a
 * compare-and-swap `update-ref`, so concurrent writers — in this process or in others — never lose
 * each other's changes. A writer that lost the race rebuilds on the new head and tries again.
 */
export class LocalGitRepository implements GitOpsRepository {
  readonly dir: string;
  readonly branch: string;
  private readonly ref: string;
  private readonly committer: { name: string; email: string };
  private readonly maxAttempts: number;
  private ready: Promise<void> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly onCommit: ((commit: string) => void) | undefined;

  constructor(options: LocalGitRepositoryOptions) {
    this.dir = options.dir;
    this.branch = options.branch ?? 'main';
    this.ref = `refs/heads/${this.branch}`;
    this.committer = options.committer ?? { name: 'Wharf', email: 'wharf@localhost' };
    this.maxAttempts = options.maxAttempts ?? 20;
    this.onCommit = options.onCommit;
  }

  /** Creates the bare repository with a first commit (a README) if it is missing. Idempotent. */
  init(): Promise<void> {
    this.ready ??= this.create().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  commit(change: GitOpsChange): Promise<{ commit: string; changed: boolean }> {
    // Writers in this process take turns; other processes are handled by the compare-and-swap.
    const result = this.queue.then(() => this.commitNow(change));
    this.queue = result.catch(() => undefined);
    return result.then((done) => {
      if (done.changed) this.onCommit?.(done.commit);
      return done;
    });
  }

  async readFile(commit: string, path: string): Promise<string | undefined> {
    await this.init();
    const rev = revision(commit);
    const file = normalizeRepositoryPath(path);
    try {
      return (await this.git(['cat-file', 'blob', `${rev}:${file}`])).toString('utf8');
    } catch (error) {
      if (!(error instanceof GitError)) throw error;
      if (await this.exists(`${rev}^{commit}`)) return undefined;
      throw new Error(`The GitOps repository has no commit ${commit}.`);
    }
  }

  async head(): Promise<string | undefined> {
    await this.init();
    return this.resolve(this.ref);
  }

  links(_commit: string): { commitUrl?: string | undefined; diffUrl?: string | undefined } {
    return {};
  }

  private git(
    args: readonly string[],
    options: { input?: string | Buffer; env?: Record<string, string> } = {},
  ) {
    return git(args, { gitDir: this.dir, ...options });
  }

  private gitLine(
    args: readonly string[],
    options: { input?: string | Buffer; env?: Record<string, string> } = {},
  ) {
    return gitLine(args, { gitDir: this.dir, ...options });
  }

  private async resolve(rev: string): Promise<string | undefined> {
    try {
      return await this.gitLine(['rev-parse', '--quiet', '--verify', `${rev}^{commit}`]);
    } catch (error) {
      if (error instanceof GitError) return undefined;
      throw error;
    }
  }

  private async exists(rev: string): Promise<boolean> {
    try {
      await this.git(['cat-file', '-e', rev]);
      return true;
    } catch (error) {
      if (error instanceof GitError) return false;
      throw error;
    }
  }

  private async isRepository(): Promise<boolean> {
    try {
      await this.git(['rev-parse', '--git-dir']);
      return true;
    } catch (error) {
      if (error instanceof GitError) return false;
      throw error;
    }
  }

  /**
   * Initializes the repository beside its place and renames it in: a rename is atomic, so a racing
   * process sees either no repository or a complete one, and the loser of the race just uses the winner's.
   */
  private async initAtomically(): Promise<void> {
    await mkdir(dirname(this.dir), { recursive: true });
    const staging = `${this.dir}.init-${process.pid}-${randomUUID()}`;
    try {
      const options = { gitDir: staging };
      // No template: a bare repository for Wharf needs no sample hooks.
      await git(['init', '--bare', '--quiet', '--template=', `--initial-branch=${this.branch}`], options);
      // A reflog, so an operator can see every move of the branch.
      await git(['config', 'core.logAllRefUpdates', 'true'], options);
      await rename(staging, this.dir).catch(async (error: unknown) => {
        if (!(await this.isRepository())) throw error;
      });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  /** A folder with files but no repository yet may be another process's `git init` under way. */
  private async becomesRepository(): Promise<boolean> {
    for (let i = 0; i < 10; i++) {
      await sleep(100);
      if (await this.isRepository()) return true;
    }
    return false;
  }

  private async create(): Promise<void> {
    if (!(await this.isRepository())) {
      const entries = await readdir(this.dir).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return [];
        throw error;
      });
      if (entries.length > 0) {
        if (!(await this.becomesRepository())) {
          throw new Error(`${this.dir} exists and is not a git repository; refusing to write into it.`);
        }
      } else {
        await this.initAtomically();
      }
    }
    if (await this.resolve(this.ref)) return;

    const blob = await this.gitLine(['hash-object', '-w', '--stdin'], { input: README });
    const tree = await this.gitLine(['mktree'], { input: `${FILE_MODE} blob ${blob}\tREADME.md\n` });
    const commit = await this.gitLine(['commit-tree', tree, '-F', '-'], {
      input: 'Initialize the GitOps repository\n',
      env: this.identity(this.committer),
    });
    try {
      // The empty old value: only if the branch does not exist yet.
      await this.git(['update-ref', '-m', 'wharf: init', this.ref, commit, '']);
    } catch (error) {
      // Someone else created the branch first: theirs is as good as ours.
      if (!(error instanceof GitError) || !(await this.resolve(this.ref))) throw error;
    }
  }

  private identity(author: { name: string; email: string }): Record<string, string> {
    return {
      GIT_AUTHOR_NAME: cleanIdent(author.name) || 'Wharf',
      GIT_AUTHOR_EMAIL: cleanIdent(author.email) || this.committer.email,
      GIT_COMMITTER_NAME: this.committer.name,
      GIT_COMMITTER_EMAIL: this.committer.email,
    };
  }

  private async commitNow(change: GitOpsChange): Promise<{ commit: string; changed: boolean }> {
    await this.init();
    const files = normalizeFiles(change);
    const deletes = [...new Set((change.deletePaths ?? []).map(normalizeRepositoryPath))];
    if (!change.message.trim()) throw invalid('gitops.invalid_change', 'A commit needs a message.');

    // Blobs don't depend on the head, so they are written once, whatever the retries.
    const blobs = await Promise.all(
      files.map(async (f) => ({
        path: f.path,
        blob: await this.gitLine(['hash-object', '-w', '--stdin'], { input: f.content }),
      })),
    );

    const scratch = await mkdtemp(join(tmpdir(), 'wharf-gitops-'));
    const env = { GIT_INDEX_FILE: join(scratch, 'index') };
    try {
      for (let attempt = 1; ; attempt++) {
        const head = await this.resolve(this.ref);
        if (head) await this.git(['read-tree', head], { env });
        else await this.git(['read-tree', '--empty'], { env });

        const records: string[] = [];
        if (head && deletes.length) {
          const listed = await this.git(['ls-tree', '-r', '-z', '--name-only', head, '--', ...deletes]);
          const zero = '0'.repeat(head.length);
          for (const path of listed.toString('utf8').split('\0').filter(Boolean)) {
            records.push(`0 ${zero}\t${path}\0`);
          }
        }
        for (const { path, blob } of blobs) records.push(`${FILE_MODE} ${blob}\t${path}\0`);
        if (records.length) {
          await this.git(['update-index', '--add', '--replace', '-z', '--index-info'], {
            env,
            input: records.join(''),
          });
        }
        const tree = await this.gitLine(['write-tree'], { env });
        if (head && tree === (await this.gitLine(['rev-parse', `${head}^{tree}`]))) {
          return { commit: head, changed: false };
        }

        const commit = await this.gitLine(['commit-tree', tree, ...(head ? ['-p', head] : []), '-F', '-'], {
          input: change.message.endsWith('\n') ? change.message : `${change.message}\n`,
          env: this.identity(change.author),
        });
        try {
          // Compare-and-swap: moves the branch only if it still points at the head we built on.
          await this.git([
            'update-ref',
            '-m',
            `wharf: ${firstLine(change.message)}`,
            this.ref,
            commit,
            head ?? '',
          ]);
          return { commit, changed: true };
        } catch (error) {
          if (!(error instanceof GitError) || attempt >= this.maxAttempts) {
            throw new Error(
              `Could not update ${this.branch} in the GitOps repository after ${attempt} attempts: ${
                error instanceof Error ? error.message : String(error)
              }`,
            );
          }
          // The head moved (or another writer holds the ref lock): back off with jitter, rebuild.
          await sleep(Math.random() * Math.min(1_000, 10 * 2 ** attempt));
        }
      }
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
}

/** A commit id or a ref name, never something git would read as an option or a path. */
function revision(commit: string): string {
  if (!/^[0-9a-f]{4,64}$/i.test(commit) && !/^refs\/[A-Za-z0-9._/-]+$/.test(commit)) {
    throw invalid('gitops.invalid_commit', `"${commit}" is not a commit id.`);
  }
  return commit;
}

function normalizeFiles(change: GitOpsChange) {
  const seen = new Set<string>();
  return change.files.map((file) => {
    const path = normalizeRepositoryPath(file.path);
    if (seen.has(path)) throw invalid('gitops.invalid_change', `${path} appears twice in one commit.`);
    seen.add(path);
    return { path, content: file.content };
  });
}

/** git drops `<`, `>` and newlines from names and emails anyway; doing it here keeps them predictable. */
const cleanIdent = (value: string) => value.replace(/[<>\n\r\0]/g, '').trim();

const firstLine = (message: string) => message.trim().split('\n')[0]?.slice(0, 200) ?? '';
