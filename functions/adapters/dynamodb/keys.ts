/**
 * Every key of the single table is built here; nothing else writes key strings.
 *
 * | access pattern                         | operation | key condition                                   |
 * |----------------------------------------|-----------|-------------------------------------------------|
 * | get a user                             | GetItem   | pk=USER#<userId>, sk=USER                        |
 * | get a workspace                        | GetItem   | pk=WS#<workspaceId>, sk=WS                       |
 * | is the caller a member (and role)      | GetItem   | pk=WS#<workspaceId>, sk=MEMBER#<userId>          |
 * | list a workspace's members             | Query     | pk=WS#<workspaceId>, sk begins_with MEMBER#      |
 * | list a user's workspaces               | Query gsi1| gsi1pk=USER#<userId>, gsi1sk begins_with WS#     |
 * |                                        | BatchGet  | then the workspaces by key                        |
 * | get a project                          | GetItem   | pk=WS#<workspaceId>, sk=PROJECT#<projectId>      |
 * | list a workspace's projects, newest activity first (paged) | Query ×2 | pk=WS#<workspaceId>, sk begins_with PROJECT# and ACTIVITY# (all of them; sorted and paged in memory) |
 * | note a project's newest run start      | Update cond | pk=WS#<workspaceId>, sk=ACTIVITY#<projectId>, at < :at |
 * | project name is unique in a workspace  | Put (txn) | pk=WS#<workspaceId>, sk=PROJECTNAME#<name>, cond |
 * | a deleted project (its history)        | GetItem   | pk=WS#<workspaceId>, sk=DELETEDPROJECT#<projectId> |
 * | a host is held by one project (all ws) | Put/Delete (txn) | pk=HOST#<host>, sk=HOST, cond (with the project write) |
 * | who holds a host (local reconciler)    | GetItem   | pk=HOST#<host>, sk=HOST                          |
 * | projects tracking a repo+branch (hook)  | Query gsi1| gsi1pk=REPO#<url>#<branch>                      |
 * | projects of a repo, any branch (tag hook) | Query  | pk=REPOPROJECTS#<url> (entries written with the project), then GetItem each |
 * | a run                                  | GetItem   | pk=PROJECT#<projectId>, sk=RUN#<runId>           |
 * | a run by id alone (WebSocket)          | Query gsi1| gsi1pk=RUN#<runId>                               |
 * | a project's runs, newest first (paged) | Query     | pk=PROJECT#<projectId>, sk begins_with RUN#, desc|
 * |   …only some status / environment / trigger | Query + FilterExpression on the same key (reads on past non-matches, bounded per request) |
 * | hand out a release number (once per run)  | Update    | the environment item: releaseCount + 1 unless numberedRunId is this run |
 * | the unfinished runs (start-up sweep)    | Query     | pk=UNFINISHED#RUN (written with the run, deleted in the same transaction that ends it) |
 * | deploy turn + release counter per env  | GetItem   | pk=PROJECT#<projectId>, sk=ENV#<environment>     |
 * | a release                              | Query gsi1| gsi1pk=RELEASE#<releaseId>, gsi1sk=PROJECT#<projectId> |
 * | an env's releases, newest first (paged)| Query     | pk=PROJECT#<projectId>, sk begins_with RELEASE#<env>#, desc |
 * | reserve a run's next log line numbers  | Update    | pk=RUNLOG#<runId>, sk=#COUNTER (ADD nextSeq)     |
 * | a run's log lines after N              | Query     | pk=RUNLOG#<runId>, sk > <N padded> (chunks)      |
 * | a WebSocket connection                 | GetItem   | pk=CONN#<connectionId>, sk=CONN                  |
 * | who watches a run / a workspace        | Query     | pk=WATCH#RUN#<runId> / WATCH#WS#<workspaceId>    |
 * | a connection's watches (on disconnect) | Delete    | pk=<each watch pk on the connection>, sk=CONN#<connectionId> |
 * | webhook delivery seen before           | Put cond  | pk=DELIVERY#<deliveryId>, sk=DELIVERY (TTL)      |
 * | queue a GitOps change / its result     | Put / Get | pk=GITOPS#<repo>, sk=CHANGE#<time><id> (TTL)     |
 * | the GitOps changes waiting, oldest first | Query   | pk=GITOPS#<repo>, sk begins_with CHANGE#        |
 * | the GitOps committer's lease           | Put cond  | pk=GITOPS#<repo>, sk=LEASE                       |
 * | a run waiting for approval (+ token)   | Put / Get | pk=WS#<workspaceId>#APPROVALS, sk=<runId>        |
 * | decide an approval once                | Delete cond | same key, attribute_exists(pk)                 |
 * | a workspace's waiting runs, oldest first | Query   | pk=WS#<workspaceId>#APPROVALS (run ids sort by time) |
 * | record a read of database credentials  | Put       | pk=PROJECT#<projectId>, sk=CREDREAD#<at>#<random> |
 * | a database's credential reads, newest first (paged) | Query | pk=PROJECT#<projectId>, sk begins_with CREDREAD#, desc |
 *
 * No request path scans. Items read back are parsed by the schemas in `items.ts`, never cast.
 */
export const keys = {
  user: (userId: string) => ({ pk: `USER#${userId}`, sk: 'USER' }),
  workspace: (workspaceId: string) => ({ pk: `WS#${workspaceId}`, sk: 'WS' }),
  member: (workspaceId: string, userId: string) => ({
    pk: `WS#${workspaceId}`,
    sk: `MEMBER#${userId}`,
    gsi1pk: `USER#${userId}`,
    gsi1sk: `WS#${workspaceId}`,
  }),
  project: (workspaceId: string, projectId: string) => ({
    pk: `WS#${workspaceId}`,
    sk: `PROJECT#${projectId}`,
  }),
  /** Where a deleted project moves: out of the PROJECT# list, still readable by id. */
  deletedProject: (workspaceId: string, projectId: string) => ({
    pk: `WS#${workspaceId}`,
    sk: `DELETEDPROJECT#${projectId}`,
  }),
  /**
   * When the project's newest run started: its own item, so a run start never races a project
   * update's full-item put (which would drop an attribute on the project item).
   */
  projectActivity: (workspaceId: string, projectId: string) => ({
    pk: `WS#${workspaceId}`,
    sk: `ACTIVITY#${projectId}`,
  }),
  projectName: (workspaceId: string, name: string) => ({
    pk: `WS#${workspaceId}`,
    sk: `PROJECTNAME#${name}`,
  }),
  /** A host claim: one item per host across all workspaces; `host` is spelled by `hostKey`. */
  hostClaim: (host: string) => ({ pk: `HOST#${host}`, sk: 'HOST' }),
  projectRepoIndex: (repositoryUrl: string, branch: string, workspaceId: string, projectId: string) => ({
    gsi1pk: repoIndexKey(repositoryUrl, branch),
    gsi1sk: `PROJECT#${workspaceId}#${projectId}`,
  }),
  /**
   * A project's entry under its repository, whatever branch it tracks (a pushed tag names no branch).
   * Written with the project; an entry left by a changed URL is dropped when read.
   */
  repositoryProject: (repositoryUrl: string, workspaceId: string, projectId: string) => ({
    pk: repositoryPartition(repositoryUrl),
    sk: `PROJECT#${workspaceId}#${projectId}`,
  }),
  run: (projectId: string, runId: string) => ({
    pk: `PROJECT#${projectId}`,
    sk: `RUN#${runId}`,
    ...runIndex(runId),
  }),
  runIndex,
  /**
   * A run that has not ended yet: one item per run in one partition (two writes per run, so no hot
   * key), for the local start-up sweep that ends runs whose execution is gone — without a Scan.
   */
  unfinishedRun: (runId: string) => ({ pk: UNFINISHED_RUNS, sk: `RUN#${runId}` }),
  environment: (projectId: string, environment: string) => ({
    pk: `PROJECT#${projectId}`,
    sk: `ENV#${environment}`,
  }),
  release: (projectId: string, environment: string, number: number, releaseId: string) => ({
    pk: `PROJECT#${projectId}`,
    sk: `RELEASE#${environment}#${String(number).padStart(8, '0')}`,
    ...releaseIndex(releaseId, projectId),
  }),
  releaseIndex,
  logCounter: (runId: string) => ({ pk: `RUNLOG#${runId}`, sk: '#COUNTER' }),
  logChunk: (runId: string, lastSeq: number) => ({ pk: `RUNLOG#${runId}`, sk: seqKey(lastSeq) }),
  connection: (connectionId: string) => ({ pk: `CONN#${connectionId}`, sk: 'CONN' }),
  runWatch: (runId: string, connectionId: string) => watch(`WATCH#RUN#${runId}`, connectionId),
  workspaceWatch: (workspaceId: string, connectionId: string) =>
    watch(`WATCH#WS#${workspaceId}`, connectionId),
  /** A watch item by its partition, as the connection item remembers it (`watches`). */
  watch,
  delivery: (deliveryId: string) => ({ pk: `DELIVERY#${deliveryId}`, sk: 'DELIVERY' }),
  gitopsChange: (repository: string, changeId: string) => ({
    pk: `GITOPS#${repository}`,
    sk: `CHANGE#${changeId}`,
  }),
  gitopsLease: (repository: string) => ({ pk: `GITOPS#${repository}`, sk: 'LEASE' }),
  /** A run waiting for an owner's approval, in its workspace's approval list. */
  approval: (workspaceId: string, runId: string) => ({ pk: approvalsPartition(workspaceId), sk: runId }),
  /** One read of a database's credentials (the audit), under the project: ISO times sort as strings. */
  credentialRead: (projectId: string, at: string, unique: string) => ({
    pk: `PROJECT#${projectId}`,
    sk: `CREDREAD#${at}#${unique}`,
  }),
} as const;

function approvalsPartition(workspaceId: string) {
  return `WS#${workspaceId}#APPROVALS`;
}

const UNFINISHED_RUNS = 'UNFINISHED#RUN';

function runIndex(runId: string) {
  return { gsi1pk: `RUN#${runId}`, gsi1sk: 'RUN' };
}

function releaseIndex(releaseId: string, projectId: string) {
  return { gsi1pk: `RELEASE#${releaseId}`, gsi1sk: `PROJECT#${projectId}` };
}

function watch(watchPartition: string, connectionId: string) {
  return { pk: watchPartition, sk: `CONN#${connectionId}` };
}

export const seqKey = (seq: number) => String(seq).padStart(12, '0');

export const repositoryPartition = (repositoryUrl: string) =>
  `REPOPROJECTS#${normalizeRepositoryUrl(repositoryUrl)}`;

/** Whether two spellings name the same repository (what the repository keys fold). */
export const sameRepository = (a: string, b: string) =>
  normalizeRepositoryUrl(a) === normalizeRepositoryUrl(b);

export const repoIndexKey = (repositoryUrl: string, branch: string) =>
  `REPO#${normalizeRepositoryUrl(repositoryUrl)}#${branch}`;

/** One spelling per repository, so a webhook's URL finds the projects that track it. */
function normalizeRepositoryUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname.replace(/\/+$/, '').replace(/\.git$/, '')}`.toLowerCase();
  } catch {
    return url.toLowerCase();
  }
}

export const prefixes = {
  workspacePartition: (workspaceId: string) => `WS#${workspaceId}`,
  userPartition: (userId: string) => `USER#${userId}`,
  member: 'MEMBER#',
  project: 'PROJECT#',
  projectActivity: 'ACTIVITY#',
  workspace: 'WS#',
  projectPartition: (projectId: string) => `PROJECT#${projectId}`,
  run: 'RUN#',
  unfinishedRuns: UNFINISHED_RUNS,
  releases: (environment: string) => `RELEASE#${environment}#`,
  runLog: (runId: string) => `RUNLOG#${runId}`,
  runWatchers: (runId: string) => `WATCH#RUN#${runId}`,
  workspaceWatchers: (workspaceId: string) => `WATCH#WS#${workspaceId}`,
  gitopsPartition: (repository: string) => `GITOPS#${repository}`,
  gitopsChange: 'CHANGE#',
  approvalsPartition,
  credentialRead: 'CREDREAD#',
} as const;
