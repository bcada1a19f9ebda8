import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import {
  BUILD_ARTIFACT_FILE,
  BUILD_LOG_MARKERS,
  BUILD_PARAMETERS,
  RUN_ID_PARAMETER,
} from '../../shared/build-parameters.ts';

/**
 * An in-process Jenkins that answers the remote access API the way Jenkins 2.x does, for tests and for
 * running the deploy workflow end to end without a Jenkins:
 *
 * - Basic auth with a user and API token (401 + `WWW-Authenticate` otherwise);
 * - optional CSRF protection: POSTs get 403 "No valid crumb was included in the request" until they
 *   carry the crumb from `/crumbIssuer/api/json` and the session cookie it was issued in;
 * - `buildWithParameters` → 201 + `Location: …/queue/item/<n>/`; undeclared parameters are dropped and
 *   missing ones take their defaults, as Jenkins does;
 * - time, not the number of requests, moves everything on (a `clock` can be injected): queue items sit
 *   in the quiet period (`why: "In the quiet period. Expires in 4.2 sec"`), then wait for an executor
 *   (`buildable: true`), then leave the queue with `executable.number` whether anyone looks or not;
 *   `cancelItem`;
 * - builds that write their log over time. `progressiveText` answers as hudson.console.AnnotatedLargeText
 *   (stapler LargeText) does: before the log file exists, an empty 200 with `X-Text-Size: 0` and
 *   `X-More-Data: true`; while the build runs, only whole lines (up to the last CR or LF), `X-More-Data:
 *   true` until the log is closed; line ends as CRLF (LineEndNormalizingWriter); the file's console
 *   notes (`ESC[8mha:…ESC[0m`) are stripped from the text but counted in `X-Text-Size`, which is a file
 *   position, not the length of the text sent; a chunk above 4 KiB is gzipped when the client accepts
 *   gzip;
 * - results, the archived `wharf-build.json`, `stop`, and injected faults (5xx, malformed bodies).
 *
 * A build's log is `Started by user <user>`, the script's lines, then `Finished: <RESULT>`.
 */

export type FakeBuildResult = 'SUCCESS' | 'FAILURE' | 'ABORTED' | 'UNSTABLE' | 'NOT_BUILT';

/** What a queued build does once it runs, decided from its parameters. */
export interface FakeBuildScript {
  lines: string[];
  result: FakeBuildResult;
  /** Time between two writes to the log (default 10 ms); 0 writes everything at once. */
  writeIntervalMs?: number | undefined;
  /** Lines per write (default 1). */
  linesPerWrite?: number | undefined;
  /** Instead of whole lines, this many bytes of the log file per write: it then ends mid-line, even mid-character. */
  bytesPerWrite?: number | undefined;
  /** Time from the build's start until its log file exists (default 0). */
  logAbsentMs?: number | undefined;
  /** Time the log stays open (`X-More-Data: true`) after the result is set (default 0). */
  logClosesAfterMs?: number | undefined;
  /**
   * The archived wharf-build.json. Undefined: on SUCCESS, one derived from the parameters (image
   * `<WHARF_IMAGE_REPOSITORY>:<WHARF_RUN_ID>`, per service for microservices); null: none; a string is
   * served as it is (to test malformed files); an object is served as JSON.
   */
  artifact?: object | string | null | undefined;
}

export interface FakeJenkinsOptions {
  user: string;
  apiToken: string;
  /** Pipeline jobs, as full names (folders with `/`); default `['wharf-deploy']`. */
  jobs?: string[] | undefined;
  /** CSRF protection for POSTs (a crumb tied to the session cookie); default false. */
  requireCrumb?: boolean | undefined;
  /** Milliseconds since the epoch; default Date.now. Tests move it on to let time pass. */
  clock?: (() => number) | undefined;
  /** How long a queued item sits in the quiet period (default 0). */
  quietPeriodMs?: number | undefined;
  /** How long after the quiet period it waits for an executor (default 0). */
  executorWaitMs?: number | undefined;
  /**
   * Serve the file as it is up to its end while the build runs — a partial last line (even half a
   * character) and the console notes included — instead of whole lines with the notes stripped. Since
   * 2.508 (JENKINS-75081) plain progressiveText streams the file this way rather than spooling it.
   */
  partialLines?: boolean | undefined;
  /** The parameters the jobs declare; default: the Jenkinsfile's (shared/build-parameters.ts). */
  parameters?: Array<{ name: string; defaultValue: string }> | undefined;
  /** The build a queued item runs; default: a passing pipeline log and the derived artifact. */
  script?: ((params: Record<string, string>) => FakeBuildScript) | undefined;
}

export interface FakeRequest {
  method: string;
  /** The path as sent (percent-encoded), without the query. */
  path: string;
  /** The query string as sent, without `?`. */
  query: string;
  body: string;
  /** A crumb header was sent. */
  crumb: boolean;
}

/** A request the fake answers with `status` (and `body`) instead of serving it, `times` times. */
export interface FakeFault {
  status: number;
  body?: string | undefined;
  method?: string | undefined;
  /** Matches the request's path (as sent); a string matches when the path contains it. */
  path?: RegExp | string | undefined;
  times?: number | undefined;
  /** Runs when the fault fires, before the answer: e.g. to move state on between two requests. */
  run?: (() => void) | undefined;
}

export interface FakeQueueItemView {
  id: number;
  job: string;
  params: Record<string, string>;
  state: 'waiting' | 'left' | 'cancelled';
  build?: number | undefined;
}

export interface FakeBuildView {
  job: string;
  number: number;
  params: Record<string, string>;
  building: boolean;
  result: FakeBuildResult | null;
  /** The log text as progressiveText serves it (notes stripped), as written so far. */
  log: string;
}

export interface FakeJenkins {
  /** The root URL, e.g. http://127.0.0.1:40123 */
  url: string;
  /** Every request, in order. */
  requests: FakeRequest[];
  /** The `Accept-Encoding` of every request, in order. */
  acceptEncodings: Array<string | undefined>;
  inject(fault: FakeFault): void;
  queue(): FakeQueueItemView[];
  builds(): FakeBuildView[];
  /** Cancels a waiting item as a user would in Jenkins' UI. */
  cancelQueueItem(id: number): void;
  /** Aborts a running build as a user would in Jenkins' UI (default: the API user). */
  abortBuild(job: string, number: number, by?: string): void;
  /** Starts every waiting item's build now, as free executors would; returns the build numbers. */
  startQueued(): number[];
  /** Jenkins keeps left items for five minutes only: forget them now. */
  forgetLeftItems(): void;
  /**
   * Restarts Jenkins: every request answers 503 ("Jenkins is getting ready to work") for `downForMs`;
   * the left items are gone (only the waiting queue is saved); running pipelines resume. With
   * `requeue`, waiting items come back under new ids, as a queue saved in the old format is scheduled anew.
   */
  restart(options?: { downForMs?: number | undefined; requeue?: boolean | undefined }): void;
  close(): Promise<void>;
}

interface QueueItem {
  id: number;
  job: string;
  params: Record<string, string>;
  state: 'waiting' | 'left' | 'cancelled';
  forgotten: boolean;
  build?: Build | undefined;
  inQueueSince: number;
  /** End of the quiet period; then it waits for an executor until `startsAt`. */
  quietUntil: number;
  startsAt: number;
}

interface Build {
  job: string;
  number: number;
  queueId: number;
  params: Record<string, string>;
  script: FakeBuildScript;
  /** The whole log file as it will be (console notes included); `writes` say when how much of it exists. */
  file: Buffer;
  /** From `at` on, the file's first `end` bytes are written. In time order. */
  writes: Array<{ at: number; end: number }>;
  /** The log file exists from then on. */
  logFrom: number;
  /** The result is set then (building turns false)… */
  resultAt: number;
  result: FakeBuildResult;
  /** …and the log is closed (no more `X-More-Data`) then. */
  closesAt: number;
  timestamp: number;
  description: string | null;
  artifact: string | null;
  /** The end of the build (artifact, description) has been recorded. */
  archived: boolean;
}

const WORKFLOW_JOB = 'org.jenkinsci.plugins.workflow.job.WorkflowJob';
const WORKFLOW_RUN = 'org.jenkinsci.plugins.workflow.job.WorkflowRun';
const CRUMB_FIELD = 'Jenkins-Crumb';
const NO_CRUMB = 'No valid crumb was included in the request';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Jenkins' ConsoleNote encoding (`ESC[8mha:////<base64>ESC[0m`): in the log file, hidden from progressiveText. */
const consoleNote = () => `\u001b[8mha:////${randomBytes(30).toString('base64')}\u001b[0m`;
// biome-ignore lint/suspicious/noControlCharactersInRegex: console notes are delimited by ESC sequences
const CONSOLE_NOTES = /\u001b\[8mha:[^\u001b]*\u001b\[0m/g;
/** AnnotatedLargeText compresses a chunk only above this size (and only for a client that accepts gzip). */
const GZIP_ABOVE_BYTES = 4096;

/** hudson.Util.getTimeSpanString: "0.85 sec", "4.2 sec", "12 sec", "1 min 3 sec", "10 min". */
export function timeSpan(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  const millis = ms % 1000;
  if (minutes > 0) return minutes >= 10 ? `${minutes} min` : `${minutes} min ${seconds} sec`;
  if (seconds >= 10) return `${seconds} sec`;
  if (seconds >= 1) return `${seconds + Math.floor(millis / 100) / 10} sec`;
  if (millis >= 100) return `${Math.floor(millis / 10) / 100} sec`;
  return `${millis} ms`;
}

/** LineEndNormalizingWriter: a lone LF becomes CRLF. */
const crlf = (text: string) => text.replace(/(?<!\r)\n/g, '\r\n');

function parseServices(raw: string | undefined): Array<{ name: string }> {
  if (!raw) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed)
      ? parsed.filter((s): s is { name: string } => typeof s?.name === 'string')
      : [];
  } catch {
    return [];
  }
}

/** The wharf-build.json the Jenkinsfile would write for these parameters. */
export function defaultArtifact(params: Record<string, string>): object {
  const repository = params.WHARF_IMAGE_REPOSITORY ?? '';
  const runId = params[RUN_ID_PARAMETER] ?? '';
  const seed = JSON.stringify(Object.entries(params).sort(([a], [b]) => a.localeCompare(b)));
  const image = (name: string, reference: string) => ({
    reference,
    digest: `sha256:${sha256(`${seed}#${name}`)}`,
  });
  const sourceCommit =
    params.WHARF_COMMIT ||
    createHash('sha1').update(`${params.WHARF_REPOSITORY_URL}#${params.WHARF_BRANCH}`).digest('hex');
  const services = parseServices(params.WHARF_SERVICES);
  if (services.length === 0) {
    return { version: 1, runId, sourceCommit, image: image('app', `${repository}:${runId}`) };
  }
  const images = Object.fromEntries(
    services.map((s) => [s.name, image(s.name, `${repository}/${s.name}:${runId}`)]),
  );
  return { version: 1, runId, sourceCommit, image: images[services[0]?.name ?? ''], images };
}

/** A passing run of the Jenkinsfile, in the shape of its log. */
export function defaultScript(params: Record<string, string>): FakeBuildScript {
  const { stage, push } = BUILD_LOG_MARKERS;
  const artifact = defaultArtifact(params) as {
    sourceCommit: string;
    image: { reference: string; digest: string };
  };
  const stageLines = (name: string, ...body: string[]) => [
    '[Pipeline] stage',
    `[Pipeline] { (${name})`,
    '[Pipeline] echo',
    `${stage}${name}`,
    ...body,
    '[Pipeline] }',
  ];
  return {
    result: 'SUCCESS',
    lines: [
      '[Pipeline] Start of Pipeline',
      ...stageLines('Validate', `Run ${params[RUN_ID_PARAMETER]}: ${params.WHARF_PROJECT_NAME}`),
      ...stageLines(
        'Checkout',
        `+ git clone --depth 50 --branch ${params.WHARF_BRANCH} -- ${params.WHARF_REPOSITORY_URL} src`,
        `Checked out ${artifact.sourceCommit}`,
      ),
      ...stageLines('Dockerfile', "Reusing the repository's Dockerfile"),
      ...stageLines('Image', 'INFO[0000] Building stage 0', 'INFO[0012] Saving image to tarball'),
      ...stageLines('Scan', 'Total: 0 (CRITICAL: 0)'),
      ...stageLines('Push', '[Pipeline] echo', push, `Pushed ${artifact.image.reference}`),
      ...stageLines('Record', `Archiving artifacts: ${BUILD_ARTIFACT_FILE}`),
      '[Pipeline] End of Pipeline',
    ],
  };
}

/** Starts the fake on 127.0.0.1 (a free port). */
export async function startFakeJenkins(options: FakeJenkinsOptions): Promise<FakeJenkins> {
  const jobs = new Map<string, { builds: Build[]; nextBuild: number }>();
  for (const job of options.jobs ?? ['wharf-deploy']) jobs.set(job, { builds: [], nextBuild: 1 });
  const declared =
    options.parameters ?? BUILD_PARAMETERS.map(({ name, defaultValue }) => ({ name, defaultValue }));
  const script = options.script ?? defaultScript;
  const now = options.clock ?? Date.now;
  const quietPeriodMs = options.quietPeriodMs ?? 0;
  const executorWaitMs = options.executorWaitMs ?? 0;
  const queueItems = new Map<number, QueueItem>();
  let nextQueueId = 100;
  const sessions = new Map<string, string>(); // session id → crumb
  const salt = randomBytes(16).toString('hex');
  const cookieName = `JSESSIONID.${salt.slice(0, 8)}`;
  const requests: FakeRequest[] = [];
  const acceptEncodings: Array<string | undefined> = [];
  const faults: Array<FakeFault & { left: number }> = [];
  let base = '';
  /** Until then Jenkins is restarting and answers 503. */
  let downUntil = Number.NEGATIVE_INFINITY;

  const jobUrl = (job: string) =>
    `${base}${job
      .split('/')
      .map((s) => `/job/${encodeURIComponent(s)}`)
      .join('')}/`;
  const buildUrl = (b: Build) => `${jobUrl(b.job)}${b.number}/`;
  const parametersAction = (params: Record<string, string>) => ({
    _class: 'hudson.model.ParametersAction',
    parameters: Object.entries(params).map(([name, value]) => ({
      _class: 'hudson.model.StringParameterValue',
      name,
      value,
    })),
  });
  const causeAction = () => ({
    _class: 'hudson.model.CauseAction',
    causes: [
      {
        _class: 'hudson.model.Cause$UserIdCause',
        shortDescription: `Started by user ${options.user}`,
        userId: options.user,
        userName: options.user,
      },
    ],
  });

  /** Starts the item's build at `at`: its log is written over time from then on, as the script says. */
  function startBuild(item: QueueItem, at: number): Build {
    const job = jobs.get(item.job);
    if (!job) throw new Error(`no job ${item.job}`);
    const plan = script(item.params);
    const lines = [`Started by user ${options.user}`, ...plan.lines, `Finished: ${plan.result}`];
    // Jenkins writes notes (hyperlinks, pipeline step markers) into the file in front of such lines.
    const withNotes = (line: string) =>
      line.startsWith('[Pipeline]') || line.startsWith('Started by') ? `${consoleNote()}${line}` : line;
    const file = Buffer.from(lines.map((l) => `${withNotes(l)}\n`).join(''));
    const interval = plan.writeIntervalMs ?? 10;
    const logFrom = at + (plan.logAbsentMs ?? 0);
    const writes: Build['writes'] = [];
    let end = 0;
    while (end < file.length) {
      if (plan.bytesPerWrite) end = Math.min(file.length, end + plan.bytesPerWrite);
      else {
        for (let i = 0; i < (plan.linesPerWrite ?? 1) && end < file.length; i++) {
          const newline = file.indexOf(0x0a, end);
          end = newline === -1 ? file.length : newline + 1;
        }
      }
      writes.push({ at: logFrom + writes.length * interval, end });
    }
    const resultAt = writes.at(-1)?.at ?? logFrom;
    const build: Build = {
      job: item.job,
      number: job.nextBuild++,
      queueId: item.id,
      params: item.params,
      script: plan,
      file,
      writes,
      logFrom,
      resultAt,
      result: plan.result,
      closesAt: resultAt + (plan.logClosesAfterMs ?? 0),
      timestamp: at,
      description: null,
      artifact: null,
      archived: false,
    };
    job.builds.unshift(build);
    item.state = 'left';
    item.build = build;
    return build;
  }

  /** Everything that has happened by now: items whose time came have started their builds. */
  function settle() {
    const t = now();
    const due = [...queueItems.values()]
      .filter((i) => i.state === 'waiting' && i.startsAt <= t)
      .sort((a, b) => a.startsAt - b.startsAt || a.id - b.id);
    for (const item of due) startBuild(item, item.startsAt);
    for (const job of jobs.values()) for (const build of job.builds) settleBuild(build, t);
  }

  /** The result is set (and the artifact archived) once the last line is written. */
  function settleBuild(build: Build, t: number) {
    if (t < build.resultAt || build.archived) return;
    build.archived = true;
    const { artifact } = build.script;
    if (build.result === 'SUCCESS' && artifact !== null) {
      const content = artifact === undefined ? defaultArtifact(build.params) : artifact;
      build.artifact = typeof content === 'string' ? content : JSON.stringify(content, null, 2);
      const image = (content as { image?: { reference?: string; digest?: string } })?.image;
      if (image?.reference) build.description = `${image.reference}@${image.digest}`;
    }
  }

  /** How much of the log file exists at `t`. */
  const writtenAt = (build: Build, t: number) =>
    t < build.logFrom ? 0 : (build.writes.findLast((w) => w.at <= t)?.end ?? 0);

  const building = (build: Build, t: number) => t < build.resultAt;

  /** Stops a running build now, as the stop button does: the log ends with who aborted it. */
  function abort(build: Build, by = options.user) {
    const t = now();
    if (!building(build, t)) return;
    let written = build.file.subarray(0, writtenAt(build, t));
    if (written.length > 0 && written.at(-1) !== 0x0a) written = Buffer.concat([written, Buffer.from('\n')]);
    build.file = Buffer.concat([written, Buffer.from(`Aborted by ${by}\nFinished: ABORTED\n`)]);
    build.logFrom = Math.min(build.logFrom, t);
    build.writes = [...build.writes.filter((w) => w.at <= t), { at: t, end: build.file.length }];
    build.result = 'ABORTED';
    build.resultAt = t;
    build.closesAt = t + (build.script.logClosesAfterMs ?? 0);
  }

  /** Bytes → bytes, never decoding UTF-8 (notes and line ends are ASCII): console notes stripped. */
  const stripNotes = (bytes: Buffer) =>
    Buffer.from(bytes.toString('latin1').replace(CONSOLE_NOTES, ''), 'latin1');
  const plainText = (bytes: Buffer) => stripNotes(bytes).toString('utf8');

  function queueItemJson(item: QueueItem) {
    const common = {
      actions: [parametersAction(item.params), causeAction()],
      blocked: false,
      id: item.id,
      inQueueSince: item.inQueueSince,
      params: Object.entries(item.params)
        .map(([k, v]) => `\n${k}=${v}`)
        .join(''),
      stuck: false,
      task: { _class: WORKFLOW_JOB, name: item.job.split('/').at(-1), url: jobUrl(item.job), color: 'blue' },
      url: `queue/item/${item.id}/`,
    };
    if (item.state === 'cancelled') {
      return {
        _class: 'hudson.model.Queue$LeftItem',
        ...common,
        buildable: false,
        why: null,
        cancelled: true,
        executable: null,
      };
    }
    if (item.state === 'left' && item.build) {
      return {
        _class: 'hudson.model.Queue$LeftItem',
        ...common,
        buildable: false,
        why: null,
        cancelled: false,
        executable: { _class: WORKFLOW_RUN, number: item.build.number, url: buildUrl(item.build) },
      };
    }
    const t = now();
    if (t < item.quietUntil) {
      return {
        _class: 'hudson.model.Queue$WaitingItem',
        ...common,
        buildable: false,
        why: `In the quiet period. Expires in ${timeSpan(item.quietUntil - t)}`,
        timestamp: item.quietUntil,
      };
    }
    return {
      _class: 'hudson.model.Queue$BuildableItem',
      ...common,
      buildable: true,
      pending: false,
      why: 'Waiting for next available executor',
      buildableStartMilliseconds: item.quietUntil,
    };
  }

  function buildJson(build: Build) {
    const t = now();
    const running = building(build, t);
    return {
      _class: WORKFLOW_RUN,
      actions: [parametersAction(build.params), causeAction(), {}],
      artifacts: build.artifact
        ? [
            {
              displayPath: BUILD_ARTIFACT_FILE,
              fileName: BUILD_ARTIFACT_FILE,
              relativePath: BUILD_ARTIFACT_FILE,
            },
          ]
        : [],
      building: running,
      description: build.description,
      displayName: `#${build.number}`,
      duration: running ? 0 : build.resultAt - build.timestamp,
      fullDisplayName: `${build.job.split('/').join(' » ')} #${build.number}`,
      id: String(build.number),
      number: build.number,
      queueId: build.queueId,
      result: running ? null : build.result,
      timestamp: build.timestamp,
      url: buildUrl(build),
    };
  }

  function send(
    res: ServerResponse,
    status: number,
    body: string | Buffer = '',
    headers: Record<string, string> = {},
    reason?: string,
  ) {
    const all = { 'content-type': 'text/html;charset=utf-8', 'x-jenkins': '2.504.3', ...headers };
    if (reason) res.writeHead(status, reason, all);
    else res.writeHead(status, all);
    res.end(body);
  }

  const json = (res: ServerResponse, value: unknown) =>
    send(res, 200, JSON.stringify(value), { 'content-type': 'application/json;charset=utf-8' });

  const errorPage = (status: number, message: string) =>
    `<html><head><title>Error ${status} ${message}</title></head><body><h2>HTTP ERROR ${status} ${message}</h2></body></html>`;

  function authorized(req: IncomingMessage): boolean {
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Basic ')) return false;
    const given = Buffer.from(header.slice(6), 'base64');
    const expected = Buffer.from(`${options.user}:${options.apiToken}`);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  function validCrumb(req: IncomingMessage): boolean {
    const crumb = req.headers[CRUMB_FIELD.toLowerCase()];
    const session = (req.headers.cookie ?? '')
      .split(';')
      .map((c) => c.trim().split('='))
      .find(([name]) => name === cookieName)?.[1];
    return typeof crumb === 'string' && session !== undefined && sessions.get(session) === crumb;
  }

  /** `/job/a/job/b/<rest>` → the job `a/b` and the rest of the path, decoded. */
  function route(path: string): { job: string; rest: string[] } | undefined {
    const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
    const names: string[] = [];
    while (segments[0] === 'job' && segments[1] !== undefined) {
      names.push(segments[1]);
      segments.splice(0, 2);
    }
    return names.length > 0 ? { job: names.join('/'), rest: segments } : undefined;
  }

  function parametersFrom(body: string, query: URLSearchParams): Record<string, string> {
    const given = new URLSearchParams(body);
    for (const [k, v] of query) if (!given.has(k)) given.set(k, v);
    // Jenkins keeps only declared parameters; the others take their defaults.
    return Object.fromEntries(declared.map((p) => [p.name, given.get(p.name) ?? p.defaultValue]));
  }

  function handle(req: IncomingMessage, res: ServerResponse, body: string) {
    const url = new URL(req.url ?? '/', base);
    const method = req.method ?? 'GET';
    const path = url.pathname;
    acceptEncodings.push(req.headers['accept-encoding']);
    requests.push({
      method,
      path,
      query: url.search.slice(1),
      body,
      crumb: req.headers[CRUMB_FIELD.toLowerCase()] !== undefined,
    });

    const fault = faults.find(
      (f) =>
        f.left > 0 &&
        (!f.method || f.method === method) &&
        (!f.path || (typeof f.path === 'string' ? path.includes(f.path) : f.path.test(path))),
    );
    if (fault) {
      fault.left -= 1;
      fault.run?.();
      return send(res, fault.status, fault.body ?? errorPage(fault.status, 'Injected fault'));
    }

    settle();
    if (now() < downUntil) {
      return send(
        res,
        503,
        '<html><head><title>Starting Jenkins</title></head><body><h1>Please wait while Jenkins is getting ready to work...</h1></body></html>',
      );
    }
    if (!authorized(req)) {
      return send(res, 401, errorPage(401, 'Unauthorized'), {
        'www-authenticate': 'Basic realm="Jenkins"',
      });
    }

    if (path === '/crumbIssuer/api/json' && method === 'GET') {
      const session = randomBytes(12).toString('hex');
      const crumb = sha256(`${options.user}:${session}:${salt}`);
      sessions.set(session, crumb);
      return send(
        res,
        200,
        JSON.stringify({
          _class: 'hudson.security.csrf.DefaultCrumbIssuer',
          crumb,
          crumbRequestField: CRUMB_FIELD,
        }),
        {
          'content-type': 'application/json;charset=utf-8',
          'set-cookie': `${cookieName}=${session}; Path=/; HttpOnly`,
        },
      );
    }

    if (method === 'POST' && options.requireCrumb && !validCrumb(req)) {
      return send(res, 403, errorPage(403, NO_CRUMB), {}, NO_CRUMB);
    }

    if (path === '/queue/api/json' && method === 'GET') {
      const items = [...queueItems.values()].filter((i) => i.state === 'waiting').map(queueItemJson);
      return json(res, { _class: 'hudson.model.Queue', discoverableItems: [], items });
    }

    const itemMatch = path.match(/^\/queue\/item\/(\d+)\/api\/json$/);
    if (itemMatch && method === 'GET') {
      const item = queueItems.get(Number(itemMatch[1]));
      if (!item || item.forgotten) return send(res, 404, errorPage(404, 'Not Found'));
      return json(res, queueItemJson(item));
    }

    if (path === '/queue/cancelItem') {
      if (method !== 'POST') return send(res, 405, errorPage(405, 'This URL requires POST'));
      const id = Number(url.searchParams.get('id'));
      const item = queueItems.get(id);
      if (!item || item.forgotten)
        return send(res, 404, `Provided id (${id}) not found`, { 'content-type': 'text/plain' });
      if (item.state !== 'waiting') {
        return send(res, 500, `Could not cancel run for id ${id}`, { 'content-type': 'text/plain' });
      }
      item.state = 'cancelled';
      return send(res, 204);
    }

    const target = route(path);
    const job = target ? jobs.get(target.job) : undefined;
    if (!target || !job) return send(res, 404, errorPage(404, 'Not Found'));
    const [first, ...rest] = target.rest;

    if (first === 'api' && rest[0] === 'json' && method === 'GET') {
      const range = url.searchParams.get('tree')?.match(/builds\[.*\]\{(\d*),(\d*)\}/);
      const from = Number(range?.[1] || 0);
      const to = range?.[2] ? Number(range[2]) : undefined;
      return json(res, {
        _class: WORKFLOW_JOB,
        name: target.job.split('/').at(-1),
        fullName: target.job,
        url: jobUrl(target.job),
        builds: job.builds.slice(from, to).map((b) => ({
          _class: WORKFLOW_RUN,
          number: b.number,
          url: buildUrl(b),
          actions: [parametersAction(b.params), causeAction()],
        })),
        nextBuildNumber: job.nextBuild,
      });
    }

    if (first === 'buildWithParameters') {
      if (method !== 'POST') return send(res, 405, errorPage(405, 'This URL requires POST'));
      const params = parametersFrom(body, url.searchParams);
      // Jenkins folds a request identical to a waiting item into that item.
      const same = [...queueItems.values()].find(
        (i) =>
          i.state === 'waiting' &&
          i.job === target.job &&
          JSON.stringify(i.params) === JSON.stringify(params),
      );
      const t = now();
      const item = same ?? {
        id: nextQueueId++,
        job: target.job,
        params,
        state: 'waiting' as const,
        forgotten: false,
        inQueueSince: t,
        quietUntil: t + quietPeriodMs,
        startsAt: t + quietPeriodMs + executorWaitMs,
      };
      queueItems.set(item.id, item);
      return send(res, 201, '', { location: `${base}/queue/item/${item.id}/` });
    }

    const build =
      first && /^\d+$/.test(first) ? job.builds.find((b) => b.number === Number(first)) : undefined;
    if (!build) return send(res, 404, errorPage(404, 'Not Found'));

    if (rest[0] === 'api' && rest[1] === 'json' && method === 'GET') return json(res, buildJson(build));

    if (rest[0] === 'logText' && rest[1] === 'progressiveText' && method === 'GET') {
      const t = now();
      const headers: Record<string, string> = { 'content-type': 'text/plain;charset=UTF-8' };
      if (t < build.logFrom) {
        // The log file doesn't exist yet: "no text so far, more to come".
        return send(res, 200, '', { ...headers, 'x-text-size': '0', 'x-more-data': 'true' });
      }
      const length = writtenAt(build, t);
      const complete = t >= build.closesAt;
      let start = Number(url.searchParams.get('start') ?? 0);
      if (!Number.isSafeInteger(start) || start < 0)
        return send(res, 500, errorPage(500, 'NumberFormatException'));
      if (start > length) start = 0; // the text rolled over
      let end = length;
      if (!complete && !options.partialLines) {
        // While the file grows, LargeText sends up to the last line end (CR or LF) only.
        end = start;
        for (let i = length - 1; i >= start; i--) {
          const byte = build.file[i];
          if (byte === 0x0a || byte === 0x0d) {
            end = i + 1;
            break;
          }
        }
      }
      headers['x-text-size'] = String(end);
      if (!complete) headers['x-more-data'] = 'true';
      const part = build.file.subarray(start, end);
      let body = Buffer.from(
        crlf((options.partialLines ? part : stripNotes(part)).toString('latin1')),
        'latin1',
      );
      if (end - start > GZIP_ABOVE_BYTES && /\bgzip\b/i.test(String(req.headers['accept-encoding'] ?? ''))) {
        body = gzipSync(body);
        headers['content-encoding'] = 'gzip';
      }
      return send(res, 200, body, headers);
    }

    if (rest[0] === 'artifact' && method === 'GET') {
      if (rest.slice(1).join('/') !== BUILD_ARTIFACT_FILE || build.artifact === null) {
        return send(res, 404, errorPage(404, 'Not Found'));
      }
      return send(res, 200, build.artifact, { 'content-type': 'application/json' });
    }

    if (rest[0] === 'stop') {
      if (method !== 'POST') return send(res, 405, errorPage(405, 'This URL requires POST'));
      abort(build);
      return send(res, 302, '', { location: buildUrl(build) });
    }

    return send(res, 404, errorPage(404, 'Not Found'));
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        handle(req, res, Buffer.concat(chunks).toString('utf8'));
      } catch (error) {
        send(res, 500, errorPage(500, (error as Error).message));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const findBuild = (job: string, number: number) => jobs.get(job)?.builds.find((b) => b.number === number);

  return {
    url: base,
    requests,
    acceptEncodings,
    inject(fault) {
      faults.push({ ...fault, left: fault.times ?? 1 });
    },
    queue: () => {
      settle();
      return [...queueItems.values()].map((i) => ({
        id: i.id,
        job: i.job,
        params: { ...i.params },
        state: i.state,
        build: i.build?.number,
      }));
    },
    builds: () => {
      settle();
      const t = now();
      return [...jobs.values()].flatMap((j) =>
        j.builds.map((b) => ({
          job: b.job,
          number: b.number,
          params: { ...b.params },
          building: building(b, t),
          result: building(b, t) ? null : b.result,
          log: plainText(b.file.subarray(0, writtenAt(b, t))),
        })),
      );
    },
    cancelQueueItem(id) {
      settle();
      const item = queueItems.get(id);
      if (item?.state === 'waiting') item.state = 'cancelled';
    },
    abortBuild(job, number, by) {
      settle();
      const build = findBuild(job, number);
      if (build) abort(build, by);
    },
    startQueued: () => {
      settle();
      return [...queueItems.values()]
        .filter((i) => i.state === 'waiting')
        .map((i) => startBuild(i, now()).number);
    },
    forgetLeftItems() {
      settle();
      for (const item of queueItems.values()) if (item.state !== 'waiting') item.forgotten = true;
    },
    restart(restartOptions = {}) {
      settle();
      downUntil = now() + (restartOptions.downForMs ?? 0);
      for (const item of [...queueItems.values()]) {
        if (item.state !== 'waiting') item.forgotten = true;
        else if (restartOptions.requeue) {
          queueItems.delete(item.id);
          item.id = nextQueueId++;
          queueItems.set(item.id, item);
        }
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
