import * as z from 'zod';
import { classifyFailure, firstErrorLine } from '../../../shared/build-failure.ts';
import {
  BUILD_ARTIFACT_FILE,
  BUILD_LOG_MARKERS,
  buildArtifactSchema,
  buildParameterValues,
  type PipelineSetting,
  RUN_ID_PARAMETER,
} from '../../../shared/build-parameters.ts';
import { commitInfo } from '../../../shared/commit-info.ts';
import type {
  BuildFailureCause,
  BuildProgress,
  BuildRequest,
  BuildService,
} from '../../../shared/deploy-ports.ts';
import { MAX_LOG_LINE_BYTES, splitLogLine } from '../../../shared/log-lines.ts';
import {
  JenkinsClient,
  type JenkinsClientOptions,
  JenkinsErrors,
  jenkinsError,
  jobPath,
} from './jenkins-client.ts';
import {
  buildSchema,
  type JenkinsBuild,
  jobBuildsSchema,
  parameterValue,
  type QueueItem,
  queueItemSchema,
  queueSchema,
} from './schemas.ts';

export interface JenkinsBuildServiceOptions extends JenkinsClientOptions {
  /** The pipeline job running infra/jenkins/Jenkinsfile; a folder path like `team/wharf-deploy` works. */
  job: string;
  /** Operator settings sent with every build (otherwise the job's defaults apply). */
  settings?: Partial<Record<PipelineSetting, string>> | undefined;
  /** How many of the job's latest builds are searched for a run's build (default 50). */
  searchDepth?: number | undefined;
  /**
   * How long polls ride out a Jenkins that doesn't answer (5xx, 429, timeouts, connection resets)
   * before one reports a TransientError (default 5 min). Meanwhile they report the build as it was.
   */
  unavailableBudgetMs?: number | undefined;
  /** Milliseconds since the epoch (default Date.now). */
  clock?: (() => number) | undefined;
}

/** Longer log lines are cut into pieces of at most this many bytes of UTF-8, between characters. */
export const MAX_LINE_BYTES = MAX_LOG_LINE_BYTES;
/**
 * Jenkins' console notes (`ESC[8mha:<base64>ESC[0m`, hidden markup in the log file). progressiveText
 * strips them, but Jenkins 2.508+ streams the file as it is, so they are stripped here too.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: console notes are delimited by ESC sequences
const CONSOLE_NOTES = /\u001b\[8mha:[^\u001b]*\u001b\[0m/g;
/** Remembered failure details (last stage, last ERROR line) are kept this short in the offset. */
const MAX_DETAIL_CHARS = 500;

/**
 * Which Jenkins build a build id names. Everything a poll or a cancel needs is in the id and the
 * offset (each call may run in another Lambda invocation): the job, the run (to find its build again
 * should Jenkins forget the queue item), and the queue item or build number.
 */
interface BuildRef {
  job: string;
  runId: string;
  queueItem?: number | undefined;
  build?: number | undefined;
}

// `jenkins:<job>:<run id>:queue-<n>` or `…:build-<n>`: readable in the run's log; `%` and `:` escaped.
const escapePart = (s: string) => s.replace(/[%:]/g, (c) => encodeURIComponent(c));

function formatBuildId(ref: BuildRef): string {
  const where = ref.build !== undefined ? `build-${ref.build}` : `queue-${ref.queueItem}`;
  return `jenkins:${escapePart(ref.job)}:${escapePart(ref.runId)}:${where}`;
}

function parseBuildId(buildId: string): BuildRef {
  const parts = buildId.split(':');
  const where = parts[3]?.match(/^(queue|build)-(\d{1,15})$/);
  if (parts.length !== 4 || parts[0] !== 'jenkins' || !where || !parts[1] || !parts[2]) {
    throw jenkinsError(JenkinsErrors.badBuildId, `"${buildId}" is not a Jenkins build id`);
  }
  try {
    const job = decodeURIComponent(parts[1]);
    const runId = decodeURIComponent(parts[2]);
    const n = Number(where[2]);
    return where[1] === 'build' ? { job, runId, build: n } : { job, runId, queueItem: n };
  } catch {
    throw jenkinsError(JenkinsErrors.badBuildId, `"${buildId}" is not a Jenkins build id`);
  }
}

/** What a poll hands the next one (as `nextOffset`, base64url JSON): where the log reading stands. */
const pollStateSchema = z.object({
  v: z.literal(1),
  /** The build number, once the queue item has become a build. */
  b: z.number().int().positive().optional(),
  /** progressiveText's `start`: the last `X-Text-Size` (a position in Jenkins' log file, not in the text). */
  t: z.number().int().nonnegative(),
  /** The log's last line while it has no newline yet: reported whole once it ends. */
  p: z.string(),
  /** Bytes of a UTF-8 character cut at the end of the last chunk (base64). */
  u: z.string().optional(),
  ph: z.enum(['build', 'push']),
  /** The queue's reason last reported, without its countdown, so each reason is logged once. */
  w: z.string().optional(),
  /** The last stage the pipeline announced, the last `ERROR:` line, and a failed scan's detail. */
  s: z.string().optional(),
  e: z.string().optional(),
  x: z.string().optional(),
  /** The first line of the console that reads as an error (a tool's own words), for the reason. */
  fe: z.string().optional(),
  /** The pipeline's timeout fired (Jenkins then ends the build ABORTED). */
  to: z.literal(true).optional(),
  /** Who aborted the build, from Jenkins' "Aborted by <user>" line. */
  ab: z.string().optional(),
  /** The run's queue item when Jenkins re-queued it under another id than the build id's (a restart). */
  q: z.number().int().nonnegative().optional(),
  /**
   * While Jenkins doesn't answer: when the first poll of this stretch failed (ms since the epoch), how
   * many polls failed since, and when to try Jenkins again (backoff).
   */
  f: z.number().int().nonnegative().optional(),
  fn: z.number().int().positive().optional(),
  na: z.number().int().nonnegative().optional(),
});
type PollState = z.infer<typeof pollStateSchema>;

const encodeState = (state: PollState) => Buffer.from(JSON.stringify(state)).toString('base64url');

function decodeState(offset: string): PollState {
  try {
    return pollStateSchema.parse(JSON.parse(Buffer.from(offset, 'base64url').toString('utf8')));
  } catch {
    throw jenkinsError(JenkinsErrors.badOffset, 'The build log offset is not one this Jenkins adapter wrote');
  }
}

/** Bytes at the end of `bytes` that start a UTF-8 character the chunk doesn't finish. */
function incompleteTail(bytes: Uint8Array): number {
  for (let i = 1; i <= Math.min(3, bytes.length); i++) {
    const byte = bytes[bytes.length - i] ?? 0;
    if ((byte & 0xc0) === 0x80) continue;
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > i ? i : 0;
  }
  return 0;
}

/** "In the quiet period. Expires in 4.2 sec" → "In the quiet period. Expires in …": one line per reason. */
const reasonKey = (why: string) =>
  why.replace(/\d[\d.,]*\s*(ms|sec|min|hr|day|mo|yr)s?\b/gi, '…').replace(/…(\s*…)+/g, '…');

/** How long polls ride out an unanswering Jenkins before one reports TransientError. */
const DEFAULT_UNAVAILABLE_BUDGET_MS = 5 * 60_000;
/** Across polls, the wait before Jenkins is tried again grows from this… */
const POLL_BACKOFF_BASE_MS = 5_000;
/** …to at most this (with jitter), so that a Jenkins coming back is noticed within a minute. */
const POLL_BACKOFF_CAP_MS = 60_000;

/** 65_000 → "1 min 5 s", 300_000 → "5 min": for messages. */
function duration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  if (minutes === 0) return `${seconds} s`;
  return seconds === 0 ? `${minutes} min` : `${minutes} min ${seconds} s`;
}

/**
 * Errors a poll rides out for a while: Jenkins or the way to it is in trouble, not the build. An answer
 * Wharf can't read (a login page, a proxy dropping headers) is a setup problem and fails at once.
 */
const isPassing = (error: unknown) => error instanceof Error && error.name === JenkinsErrors.transient;

const cap = (text: string) => (text.length > MAX_DETAIL_CHARS ? `${text.slice(0, MAX_DETAIL_CHARS)}…` : text);

/**
 * Reads a log chunk into lines: holds a line without its newline (and a cut UTF-8 character) in the
 * state until the rest arrives, notes the pipeline's markers, and cuts very long lines into pieces.
 */
class LogReader {
  constructor(
    private readonly state: PollState,
    /** Where the lines go (after any the poll already reported). */
    readonly lines: string[],
  ) {}

  push(chunk: Uint8Array): void {
    const held = this.state.u ? Buffer.from(this.state.u, 'base64') : undefined;
    const bytes = held ? Buffer.concat([held, chunk]) : chunk;
    const cut = bytes.length - incompleteTail(bytes);
    this.state.u = cut < bytes.length ? Buffer.from(bytes.subarray(cut)).toString('base64') : undefined;
    const parts = (this.state.p + new TextDecoder().decode(bytes.subarray(0, cut))).split('\n');
    this.state.p = parts.pop() ?? '';
    for (const part of parts) this.line(part);
    // A line still without its end is held whole up to the limit; beyond it, its full pieces go out.
    if (this.state.p.length * 3 > MAX_LINE_BYTES) {
      const pieces = splitLogLine(this.state.p);
      this.state.p = pieces.pop() ?? '';
      for (const piece of pieces) this.add(piece.replace(CONSOLE_NOTES, ''));
    }
  }

  /** The log is complete: its last line counts even without a newline. */
  end(): void {
    const rest = this.state.p + (this.state.u ? Buffer.from(this.state.u, 'base64').toString('utf8') : '');
    this.state.p = '';
    this.state.u = undefined;
    if (rest !== '') this.line(rest);
  }

  private line(raw: string): void {
    // CRLF, and a CR kept from a chunk that ended between the two (the next one's LF came as CRLF).
    const text = raw.replace(CONSOLE_NOTES, '').replace(/\r+$/, '');
    const { stage, push, scanFailed } = BUILD_LOG_MARKERS;
    if (text.startsWith(push)) this.state.ph = 'push';
    else if (text.startsWith(stage)) this.state.s = cap(text.slice(stage.length).trim());
    else if (text.startsWith(scanFailed)) {
      const detail = text.slice(scanFailed.length).trim();
      this.state.x = cap(this.state.x ? `${this.state.x}; ${detail}` : detail);
    } else if (text.startsWith('ERROR: ')) this.state.e = cap(text.slice('ERROR: '.length).trim());
    else if (text.includes('Timeout has been exceeded')) this.state.to = true;
    else if (text.startsWith('Aborted by ')) this.state.ab = cap(text.slice('Aborted by '.length).trim());
    if (this.state.fe === undefined) {
      const first = firstErrorLine([text]);
      if (first !== undefined) this.state.fe = cap(first);
    }
    for (const piece of splitLogLine(text)) this.add(piece);
  }

  private add(text: string): void {
    this.lines.push(text);
  }
}

/**
 * The production BuildService: queues the Jenkins pipeline job (infra/jenkins/Jenkinsfile) with the
 * run's parameters and follows it through the remote access API — the queue item until it becomes a
 * build, then the build's progressive log, result and `wharf-build.json` artifact.
 *
 * Result mapping (Jenkins → Wharf):
 * - SUCCESS → succeeded, with the image(s) and source commit from the archived artifact (a missing or
 *   invalid artifact fails the build: there is nothing to deploy);
 * - FAILURE → failed, naming the stage the pipeline was in and its last `ERROR:` line;
 * - UNSTABLE → failed: the pipeline marks a build unstable when the Trivy scan finds vulnerabilities at
 *   or above `TRIVY_FAIL_ON` in the pushed image, and then records no `wharf-build.json` — there is
 *   nothing to deploy (the image stays in Harbor under its run tag, where Harbor's policy can block it);
 * - ABORTED → cancelled, naming who stopped it (someone in Jenkins, from its "Aborted by" line, or
 *   Wharf), or failed when the pipeline's timeout fired; a queue item cancelled in Jenkins → cancelled;
 * - NOT_BUILT or anything else → failed.
 * A build counts as finished only once Jenkins has a result AND the log is complete (no `X-More-Data`),
 * so the last lines are never lost.
 */
export function createJenkinsBuildService(options: JenkinsBuildServiceOptions): BuildService {
  const client = new JenkinsClient(options);
  const configuredJob = options.job.replace(/^\/+|\/+$/g, '');
  jobPath(configuredJob); // fail at cold start on a bad job name
  const settings = options.settings ?? {};
  const searchDepth = options.searchDepth ?? 50;
  const budgetMs = options.unavailableBudgetMs ?? DEFAULT_UNAVAILABLE_BUDGET_MS;
  const now = options.clock ?? Date.now;

  const jobNotFound = (job: string) => () =>
    jenkinsError(JenkinsErrors.notFound, `Jenkins job ${job} not found at ${client.baseUrl}`);
  const label = (job: string, build: number) => `${job} #${build}`;
  const buildGone = (job: string, build: number) => () =>
    jenkinsError(
      JenkinsErrors.notFound,
      `Jenkins build ${label(job, build)} not found: it was deleted, or the job was renamed`,
    );

  /** The newest build of the job whose WHARF_RUN_ID is the run's. */
  async function findBuild(job: string, runId: string): Promise<number | undefined> {
    const { data } = await client.getJson(`${jobPath(job)}/api/json`, jobBuildsSchema, {
      query: { tree: `builds[number,actions[parameters[name,value]]]{0,${searchDepth}}` },
      notFound: jobNotFound(job),
    });
    return data?.builds?.find((b) => parameterValue(b.actions, RUN_ID_PARAMETER) === runId)?.number;
  }

  /** A queued item of the job for the run (the queue lists every job's items). */
  async function findQueued(job: string, runId: string): Promise<number | undefined> {
    const jobName = job.split('/').at(-1);
    const { data } = await client.getJson('/queue/api/json', queueSchema, {
      query: { tree: 'items[id,task[name],actions[parameters[name,value]]]' },
    });
    return data?.items.find(
      (item) =>
        (item.task?.name === undefined || item.task.name === jobName) &&
        parameterValue(item.actions, RUN_ID_PARAMETER) === runId,
    )?.id;
  }

  async function queueItem(id: number): Promise<QueueItem | undefined> {
    const { data } = await client.getJson(`/queue/item/${id}/api/json`, queueItemSchema, {
      query: { tree: 'id,why,cancelled,executable[number,url],task[name]' },
      allow: [404],
    });
    return data;
  }

  const progress = (
    state: PollState,
    lines: string[],
    outcome: Omit<BuildProgress, 'phase' | 'lines' | 'nextOffset'>,
  ): BuildProgress => ({ ...outcome, phase: state.ph, lines, nextOffset: encodeState(state) });

  /** The queue item until it becomes a build: sets `state.b`, or answers queued/cancelled. */
  async function followQueue(ref: BuildRef, id: number, state: PollState, lines: string[]) {
    const item = await queueItem(id);
    if (!item) {
      // Jenkins keeps a left item for a few minutes only, and none across a restart; the build has the
      // run id as a parameter. An item Jenkins scheduled anew after a restart has it too.
      const build = await findBuild(ref.job, ref.runId);
      if (build === undefined) {
        const requeued = await findQueued(ref.job, ref.runId);
        if (requeued !== undefined && requeued !== id) {
          state.q = requeued;
          lines.push(`Jenkins queued the build again as queue item ${requeued}`);
          return followQueue(ref, requeued, state, lines);
        }
        throw jenkinsError(
          JenkinsErrors.lost,
          `Jenkins no longer knows queue item ${id}, and no recent build of ${ref.job} is for run ${ref.runId}; deploy again`,
        );
      }
      state.b = build;
      lines.push(`Jenkins build ${label(ref.job, build)} started`);
      return undefined;
    }
    if (item.cancelled) {
      lines.push('Jenkins cancelled the build before it started');
      return progress(state, lines, {
        state: 'cancelled',
        reason: `The build was cancelled in Jenkins while it waited in the queue (queue item ${id})`,
      });
    }
    if (item.executable) {
      state.b = item.executable.number;
      const url = item.executable.url ? `: ${item.executable.url}` : '';
      lines.push(`Jenkins build ${label(ref.job, state.b)} started${url}`);
      return undefined;
    }
    const why = item.why?.trim() || 'waiting for Jenkins to start the build';
    if (reasonKey(why) !== state.w) {
      state.w = reasonKey(why);
      lines.push(`Waiting in the Jenkins queue: ${why}`);
    }
    return progress(state, lines, { state: 'queued' });
  }

  /** What kind of failure: the checkout stage is the repository's; registry login the platform's; else the console says. */
  function causeOf(state: PollState): BuildFailureCause {
    const said = classifyFailure([state.fe, state.e].filter(Boolean).join('\n'));
    if (state.s === 'Checkout' && said === 'command') return 'source';
    if (state.s === 'Registry login') return 'platform';
    return said;
  }

  async function outcome(
    ref: BuildRef,
    build: JenkinsBuild,
    state: PollState,
    lines: string[],
  ): Promise<BuildProgress> {
    const name = label(ref.job, build.number);
    const failed = (reason: string) => progress(state, lines, { state: 'failed', reason });
    switch (build.result) {
      case 'SUCCESS':
        return succeeded(ref, build, state, lines);
      case 'ABORTED':
        if (state.to) {
          return failed(`Jenkins build ${name} ran into the pipeline's time limit and was stopped`);
        }
        return progress(state, lines, {
          state: 'cancelled',
          reason:
            state.ab === client.user
              ? `Jenkins build ${name} was stopped: Wharf cancelled it`
              : state.ab
                ? `Jenkins build ${name} was aborted in Jenkins by ${state.ab}`
                : `Jenkins build ${name} was aborted (stopped in Jenkins, or cancelled by Wharf)`,
        });
      case 'UNSTABLE':
        return failed(
          state.x
            ? `The image scan (Trivy) found vulnerabilities at or above the TRIVY_FAIL_ON threshold (${state.x}); the image was not pushed. Update the affected packages or base image (the scan report is in the build log below) and deploy again`
            : `Jenkins marked build ${name} UNSTABLE; only successful builds are deployed (the build log below says why)`,
        );
      case 'FAILURE': {
        const where = state.s ? ` in stage "${state.s}"` : '';
        // The first error line is the tool's own words; the pipeline's closing ERROR: line only says a step failed.
        const quoted = [state.fe, state.e].filter(
          (text, i, all): text is string => !!text && all.indexOf(text) === i,
        );
        const error = quoted.length ? `: ${quoted.join(' — ')}` : '';
        return progress(state, lines, {
          state: 'failed',
          reason: `Jenkins build ${name} failed${where}${error}`,
          cause: causeOf(state),
        });
      }
      case 'NOT_BUILT':
        return failed(`Jenkins did not run build ${name} (NOT_BUILT)`);
      default:
        return failed(`Jenkins ended build ${name} with result ${build.result}`);
    }
  }

  async function succeeded(
    ref: BuildRef,
    build: JenkinsBuild,
    state: PollState,
    lines: string[],
  ): Promise<BuildProgress> {
    const name = label(ref.job, build.number);
    const failed = (reason: string) => progress(state, lines, { state: 'failed', reason });
    const missing = `Jenkins build ${name} succeeded but archived no ${BUILD_ARTIFACT_FILE}; the job must run infra/jenkins/Jenkinsfile`;
    if (build.artifacts && !build.artifacts.some((a) => a.relativePath === BUILD_ARTIFACT_FILE)) {
      return failed(missing);
    }
    const path = `${jobPath(ref.job)}/${build.number}/artifact/${BUILD_ARTIFACT_FILE}`;
    const response = await client.send('GET', path, { allow: [404] });
    if (response.status === 404) {
      await response.body?.cancel();
      return failed(missing);
    }
    const text = await client.readText(response, `GET ${path}`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return failed(`Jenkins build ${name} archived a ${BUILD_ARTIFACT_FILE} that is not JSON`);
    }
    const parsed = buildArtifactSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return failed(
        `Jenkins build ${name} archived a ${BUILD_ARTIFACT_FILE} without a valid image record (${issue?.path.join('.') || 'file'}: ${issue?.message ?? 'invalid'})`,
      );
    }
    const artifact = parsed.data;
    if (artifact.runId !== ref.runId) {
      return failed(
        `Jenkins build ${name} recorded an image for run ${artifact.runId}, not for this run (${ref.runId})`,
      );
    }
    lines.push(`Jenkins build ${name} pushed ${artifact.image.reference}@${artifact.image.digest}`);
    return progress(state, lines, {
      state: 'succeeded',
      image: artifact.image,
      images: artifact.images,
      sourceCommit: artifact.sourceCommit,
      commit: commitInfo(artifact.sourceCommit, artifact.sourceMessage, artifact.sourceAuthor),
    });
  }

  /** One round of reading Jenkins; throws on any trouble, leaving the caller's state to count or not. */
  async function pollOnce(ref: BuildRef, state: PollState, lines: string[]): Promise<BuildProgress> {
    const queued = state.q ?? ref.queueItem;
    if (state.b === undefined && queued !== undefined) {
      const answer = await followQueue(ref, queued, state, lines);
      if (answer) return answer;
    }
    const number = state.b;
    if (number === undefined)
      throw jenkinsError(JenkinsErrors.badBuildId, `${formatBuildId(ref)} names no build`);

    const buildPath = `${jobPath(ref.job)}/${number}`;
    const logPath = `${buildPath}/logText/progressiveText`;
    const response = await client.send('GET', logPath, {
      query: { start: String(state.t) },
      notFound: buildGone(ref.job, number),
    });
    const size = Number(response.headers.get('x-text-size'));
    const more = response.headers.get('x-more-data')?.toLowerCase() === 'true';
    const bytes = await client.readBytes(response, `GET ${logPath}`);
    if (!Number.isSafeInteger(size) || size < 0 || response.headers.get('x-text-size') === null) {
      throw jenkinsError(
        JenkinsErrors.badResponse,
        `Jenkins answered GET ${logPath} without a valid X-Text-Size header; is a proxy dropping headers?`,
      );
    }
    const reader = new LogReader(state, lines);
    // A size below `start` means Jenkins started the text over (a replaced log): what it sent again is
    // already in the run's log, so only the position moves.
    if (size >= state.t) reader.push(bytes);
    state.t = size;
    // While Jenkins says more data may come, the build isn't finished whatever its result says.
    if (more) return progress(state, reader.lines, { state: 'running' });

    const { data: build } = await client.getJson(`${buildPath}/api/json`, buildSchema, {
      query: { tree: 'number,url,building,result,description,artifacts[relativePath]' },
      notFound: buildGone(ref.job, number),
    });
    if (!build || build.building || !build.result) return progress(state, reader.lines, { state: 'running' });
    reader.end();
    return outcome(ref, build, state, reader.lines);
  }

  return {
    async start(request: BuildRequest): Promise<{ buildId: string }> {
      const form = new URLSearchParams(buildParameterValues(request, settings));
      const job = configuredJob;
      const base = { job, runId: request.runId };
      // Idempotent per run: a queued item or a build already carrying this run id is the build.
      const queued = await findQueued(job, request.runId);
      if (queued !== undefined) return { buildId: formatBuildId({ ...base, queueItem: queued }) };
      const built = await findBuild(job, request.runId);
      if (built !== undefined) return { buildId: formatBuildId({ ...base, build: built }) };

      const response = await client.send('POST', `${jobPath(job)}/buildWithParameters`, {
        form,
        notFound: jobNotFound(job),
      });
      await response.body?.cancel();
      const location = response.headers.get('location');
      const item = location
        ? new URL(location, `${client.baseUrl}/`).pathname.match(/\/queue\/item\/(\d+)\/?$/)?.[1]
        : undefined;
      if (!item) {
        throw jenkinsError(
          JenkinsErrors.badResponse,
          `Jenkins accepted the build of ${job} (HTTP ${response.status}) but named no queue item${location ? ` (Location: ${location})` : ''}; Wharf needs Jenkins 2.x, which answers 201 with the item's URL`,
        );
      }
      return { buildId: formatBuildId({ ...base, queueItem: Number(item) }) };
    },

    /**
     * One poll. When Jenkins doesn't answer (5xx, timeouts, resets — each read already tried a few
     * times), the build is not given up: the poll reports it as it last was, with a line saying so, and
     * hands the trouble's start on in the offset; the next polls try again with growing waits (with
     * jitter) and only once Jenkins has failed for the whole budget does a poll throw — TransientError,
     * which the state machine retries a few more times. The build in Jenkins is never touched for it.
     */
    async poll(buildId: string, offset: string | undefined): Promise<BuildProgress> {
      const ref = parseBuildId(buildId);
      const before: PollState = offset
        ? decodeState(offset)
        : { v: 1, t: 0, p: '', ph: 'build', ...(ref.build !== undefined ? { b: ref.build } : {}) };
      const t = now();
      const asBefore = (lines: string[], next: PollState): BuildProgress => ({
        state: before.b !== undefined ? 'running' : 'queued',
        phase: before.ph,
        lines,
        nextOffset: encodeState(next),
      });
      if (before.na !== undefined && t < before.na) return asBefore([], before);

      const { f, fn, na, ...state } = before;
      const lines: string[] = [];
      if (f !== undefined) lines.push(`Jenkins answers again (after ${duration(t - f)})`);
      try {
        return await pollOnce(ref, state, lines);
      } catch (error) {
        if (!isPassing(error)) throw error;
        const since = f ?? t;
        if (t - since >= budgetMs) {
          throw jenkinsError(
            JenkinsErrors.transient,
            `Jenkins has not answered for ${duration(t - since)}: ${(error as Error).message}`,
          );
        }
        const failures = (fn ?? 0) + 1;
        const delay = Math.min(POLL_BACKOFF_CAP_MS, POLL_BACKOFF_BASE_MS * 2 ** (failures - 1));
        const wait = Math.round(delay / 2 + Math.random() * (delay / 2));
        const note =
          f === undefined
            ? [
                `Jenkins did not answer (${(error as Error).message}); Wharf keeps polling for up to ${duration(budgetMs)} and leaves the build running`,
              ]
            : [];
        // Nothing of this poll counts: the next one reads from where this one started.
        // The last try falls on the budget's end, not after it.
        const next = Math.min(t + wait, since + budgetMs);
        return asBefore(note, { ...before, f: since, fn: failures, na: next });
      }
    },

    async cancel(buildId: string): Promise<void> {
      const ref = parseBuildId(buildId);
      let number = ref.build;
      if (number === undefined && ref.queueItem !== undefined) {
        let id = ref.queueItem;
        let item = await queueItem(id);
        if (!item) {
          // Forgotten (left long ago, or a restart): the build by its run id, else the run's item
          // if Jenkins queued it anew under another id.
          number = await findBuild(ref.job, ref.runId);
          const requeued = number === undefined ? await findQueued(ref.job, ref.runId) : undefined;
          if (requeued !== undefined) {
            id = requeued;
            item = await queueItem(id);
          }
        }
        if (item?.cancelled) return;
        if (item) number = item.executable?.number;
        if (item && number === undefined) {
          const response = await client.send('POST', '/queue/cancelItem', {
            query: { id: String(id) },
            allow: [404, 422, 500],
          });
          await response.body?.cancel();
          if (response.status < 400) return;
          // Jenkins answers 500 "Could not cancel run" for an item that has just left the queue for
          // an executor (and 404 once it forgot it): then the build is what to stop.
          const again = await queueItem(id);
          if (again?.cancelled) return;
          number = again ? again.executable?.number : await findBuild(ref.job, ref.runId);
          if (number === undefined && again) {
            throw jenkinsError(
              response.status >= 500 ? JenkinsErrors.transient : JenkinsErrors.refused,
              `Jenkins would not cancel queue item ${id} (HTTP ${response.status})`,
            );
          }
        }
      }
      // Nothing ever ran (and Jenkins forgot the item): nothing to stop.
      if (number === undefined) return;
      const response = await client.send('POST', `${jobPath(ref.job)}/${number}/stop`, { allow: [404] });
      await response.body?.cancel();
    },
  };
}
