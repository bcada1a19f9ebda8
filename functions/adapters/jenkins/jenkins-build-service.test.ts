import { afterEach, describe, expect, it } from 'vitest';
import { BUILD_LOG_MARKERS } from '../../../shared/build-parameters.ts';
import type { BuildProgress, BuildRequest, BuildService } from '../../../shared/deploy-ports.ts';
import {
  type FakeJenkins,
  type FakeJenkinsOptions,
  startFakeJenkins,
} from '../../../testing/fakes/jenkins.ts';
import { ConfigError } from '../../lib/config.ts';
import { createJenkinsBuildService, MAX_LINE_BYTES } from './jenkins-build-service.ts';

const USER = 'wharf';
const TOKEN = '11f3c0ffee5ecret7oken0123456789abcd';
const BASIC = Buffer.from(`${USER}:${TOKEN}`).toString('base64');

let fakes: FakeJenkins[] = [];
afterEach(async () => {
  await Promise.all(fakes.map((f) => f.close()));
  fakes = [];
});

/** The fakes' time: each poll lets some pass, as the state machine's wait between two polls does. */
let now = Date.UTC(2026, 0, 1);
const clock = () => now;
const POLL_EVERY_MS = 50;

async function fake(options: Partial<FakeJenkinsOptions> = {}): Promise<FakeJenkins> {
  const started = await startFakeJenkins({ user: USER, apiToken: TOKEN, clock, ...options });
  fakes.push(started);
  return started;
}

let counter = 0;
const request = (overrides: Partial<BuildRequest> = {}): BuildRequest => {
  counter += 1;
  return {
    runId: `r0test${counter}`,
    workspaceId: 'w1',
    projectId: 'p1',
    projectName: 'storefront',
    environment: 'production',
    projectType: 'monolith',
    repository: { url: 'https://github.com/acme/storefront.git', branch: 'main' },
    imageRepository: 'harbor.example.com/wharf/w1/storefront',
    port: 3000,
    ...overrides,
  };
};

/** A new service per call: every poll must work from the build id and offset alone, as in Lambda. */
const serviceFor =
  (jenkins: FakeJenkins, options: { job?: string; apiToken?: string } = {}) =>
  (): BuildService =>
    createJenkinsBuildService({
      url: jenkins.url,
      user: USER,
      apiToken: options.apiToken ?? TOKEN,
      job: options.job ?? 'wharf-deploy',
      clock,
      retryDelayMs: 1,
    });

/** Polls until a final state, each poll from a fresh service instance. */
async function pollToEnd(service: () => BuildService, buildId: string, maxPolls = 500) {
  const polls: BuildProgress[] = [];
  let offset: string | undefined;
  for (let i = 0; i < maxPolls; i++) {
    const progress = await service().poll(buildId, offset);
    polls.push(progress);
    offset = progress.nextOffset;
    now += POLL_EVERY_MS;
    if (['succeeded', 'failed', 'cancelled'].includes(progress.state)) {
      return { polls, last: progress, lines: polls.flatMap((p) => p.lines) };
    }
  }
  throw new Error(`no final state after ${maxPolls} polls`);
}

/** The lines of the build's own log (the adapter adds a few of its own around them). */
const buildLog = (jenkins: FakeJenkins, number = 1) =>
  (jenkins.builds().find((b) => b.number === number)?.log ?? '').split('\n').slice(0, -1);

const ADAPTER_LINES =
  /^(Jenkins build |Waiting in the Jenkins queue|Jenkins did not answer|Jenkins answers again)/;
const withoutAdapterLines = (lines: string[]) => lines.filter((l) => !ADAPTER_LINES.test(l));

const errorOf = async (promise: Promise<unknown>): Promise<Error> => {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
};

describe('createJenkinsBuildService', () => {
  it('queues the job, follows the log across many polls and reads the image from the artifact', async () => {
    const lines = [
      `${BUILD_LOG_MARKERS.stage}Checkout`,
      'Cloning… naïve café ✔ done 🚀 (multi-byte characters cut across chunks)',
      `${'long line '.repeat(30)}end`,
      '',
      'a line ending in a carriage return\r',
      `${BUILD_LOG_MARKERS.stage}Push`,
      BUILD_LOG_MARKERS.push,
      'Pushed the image',
      'no newline at the very end? there is one: Jenkins adds "Finished:"',
    ];
    // Jenkins 2.508+ streams the file as it is: partial lines, half characters, console notes.
    const jenkins = await fake({
      partialLines: true,
      script: () => ({ lines, result: 'SUCCESS', bytesPerWrite: 7, writeIntervalMs: POLL_EVERY_MS }),
    });
    const service = serviceFor(jenkins);
    const req = request();

    const { buildId } = await service().start(req);
    expect(buildId).toBe(`jenkins:wharf-deploy:${req.runId}:queue-100`);
    const { polls, last } = await pollToEnd(service, buildId);

    // Every line exactly once, in order, though 7-byte chunks cut lines and characters apart.
    const reported = withoutAdapterLines(polls.flatMap((p) => p.lines));
    const expected = buildLog(jenkins).map((l) => l.replace(/\r$/, ''));
    expect(reported).toEqual(expected);
    expect(expected).toEqual([
      `Started by user ${USER}`,
      ...lines.map((l) => l.replace(/\r$/, '')),
      'Finished: SUCCESS',
    ]);
    expect(polls.length).toBeGreaterThan(40);
    expect(polls[0]?.lines[0]).toMatch(
      /^Jenkins build wharf-deploy #1 started: http:\/\/127\.0\.0\.1:\d+\/job\/wharf-deploy\/1\/$/,
    );

    // The phase turns to push with the pipeline's marker, and stays.
    const firstPush = polls.findIndex((p) => p.phase === 'push');
    expect(polls.slice(0, firstPush).flatMap((p) => p.lines)).not.toContain(BUILD_LOG_MARKERS.push);
    expect(polls.slice(firstPush).every((p) => p.phase === 'push')).toBe(true);
    expect(polls.slice(0, -1).every((p) => p.state === 'running')).toBe(true);

    expect(last).toMatchObject({
      state: 'succeeded',
      phase: 'push',
      image: {
        reference: `harbor.example.com/wharf/w1/storefront:${req.runId}`,
        digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      },
      sourceCommit: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
    expect(last.images).toBeUndefined();

    // The form carried the run's parameters, and no crumb was needed for an API token.
    const queued = jenkins.queue()[0];
    expect(queued?.params).toMatchObject({
      WHARF_RUN_ID: req.runId,
      WHARF_REPOSITORY_URL: req.repository.url,
      WHARF_BRANCH: 'main',
      WHARF_IMAGE_REPOSITORY: req.imageRepository,
      WHARF_PORT: '3000',
      TRIVY_FAIL_ON: 'CRITICAL',
    });
    expect(jenkins.requests.some((r) => r.path.startsWith('/crumbIssuer'))).toBe(false);
  });

  it('reports the X-Text-Size position, not the length of the text, as the next start', async () => {
    // The fake's log file has hidden console notes, as Jenkins' has: text length and file size differ.
    const jenkins = await fake({
      script: () => ({
        lines: ['[Pipeline] stage', 'one', 'two'],
        result: 'SUCCESS',
        writeIntervalMs: POLL_EVERY_MS,
      }),
    });
    const service = serviceFor(jenkins);
    const { buildId } = await service().start(request());
    const { lines } = await pollToEnd(service, buildId);
    expect(withoutAdapterLines(lines)).toEqual([
      'Started by user wharf',
      '[Pipeline] stage',
      'one',
      'two',
      'Finished: SUCCESS',
    ]);
    const starts = jenkins.requests
      .filter((r) => r.path.endsWith('/progressiveText'))
      .map((r) => Number(new URLSearchParams(r.query).get('start')));
    // After the first line, the file position is past the text sent: it counts the hidden note too.
    expect(starts[0]).toBe(0);
    expect(starts[1]).toBeGreaterThan(Buffer.byteLength('Started by user wharf\n'));
  });

  it('reports a queued build with the queue reason once per reason, then follows it', async () => {
    const jenkins = await fake({ quietPeriodMs: 3 * POLL_EVERY_MS, executorWaitMs: 2 * POLL_EVERY_MS });
    const service = serviceFor(jenkins);
    const { buildId } = await service().start(request());
    const { polls, last } = await pollToEnd(service, buildId);
    expect(polls.slice(0, 5).map((p) => p.state)).toEqual(['queued', 'queued', 'queued', 'queued', 'queued']);
    const waiting = polls.flatMap((p) => p.lines).filter((l) => l.startsWith('Waiting in the Jenkins queue'));
    expect(waiting).toEqual([
      'Waiting in the Jenkins queue: In the quiet period. Expires in 0.15 sec',
      'Waiting in the Jenkins queue: Waiting for next available executor',
    ]);
    expect(polls[5]?.state).not.toBe('queued');
    expect(last.state).toBe('succeeded');
  });

  it('asks for a crumb only when Jenkins rejects a POST for the lack of one, with its session cookie', async () => {
    const jenkins = await fake({ requireCrumb: true });
    const service = serviceFor(jenkins);
    const { buildId } = await service().start(request());
    const posts = jenkins.requests.filter((r) => r.method === 'POST' || r.path.startsWith('/crumbIssuer'));
    expect(posts.map((r) => `${r.method} ${r.path} crumb=${r.crumb}`)).toEqual([
      'POST /job/wharf-deploy/buildWithParameters crumb=false',
      'GET /crumbIssuer/api/json crumb=false',
      'POST /job/wharf-deploy/buildWithParameters crumb=true',
    ]);
    expect(jenkins.queue()).toHaveLength(1);
    // GETs never needed one.
    const { last } = await pollToEnd(service, buildId);
    expect(last.state).toBe('succeeded');
    expect(jenkins.requests.filter((r) => r.path.startsWith('/crumbIssuer'))).toHaveLength(1);
  });

  it('does not report a finished build while Jenkins still has more log data, even with the result known', async () => {
    const jenkins = await fake({
      script: () => ({
        lines: ['building', 'done'],
        result: 'FAILURE',
        linesPerWrite: 100,
        logClosesAfterMs: 2 * POLL_EVERY_MS,
      }),
    });
    const service = serviceFor(jenkins);
    const { buildId } = await service().start(request());
    const { polls, last } = await pollToEnd(service, buildId);
    expect(polls.map((p) => p.state)).toEqual(['running', 'running', 'failed']);
    expect(jenkins.builds()[0]).toMatchObject({ result: 'FAILURE', building: false });
    expect(withoutAdapterLines(polls.flatMap((p) => p.lines))).toEqual([
      'Started by user wharf',
      'building',
      'done',
      'Finished: FAILURE',
    ]);
    expect(last.reason).toBe('Jenkins build wharf-deploy #1 failed');
    // While X-More-Data was set, the build's result wasn't even asked for.
    const buildReads = jenkins.requests.filter((r) => r.path === '/job/wharf-deploy/1/api/json');
    expect(buildReads).toHaveLength(1);
  });

  describe('results', () => {
    const outcome = async (script: FakeJenkinsOptions['script']) => {
      const jenkins = await fake({ script });
      const service = serviceFor(jenkins);
      const { buildId } = await service().start(request());
      return pollToEnd(service, buildId);
    };

    it('FAILURE fails the build, naming the stage and the error', async () => {
      const { last } = await outcome(() => ({
        result: 'FAILURE',
        lines: [
          `${BUILD_LOG_MARKERS.stage}Checkout`,
          'Checked out abc',
          `${BUILD_LOG_MARKERS.stage}Image`,
          'error building image: error building stage: RUN npm ci: exit status 1',
          'ERROR: script returned exit code 1',
        ],
      }));
      // The tool's first error line comes first; the pipeline's closing ERROR: line after it.
      expect(last).toMatchObject({
        state: 'failed',
        reason:
          'Jenkins build wharf-deploy #1 failed in stage "Image": error building image: error building stage: RUN npm ci: exit status 1 — script returned exit code 1',
        cause: 'command',
      });
    });

    it('FAILURE in the checkout stage is the repository: git quoted, cause source', async () => {
      const { last } = await outcome(() => ({
        result: 'FAILURE',
        lines: [
          `${BUILD_LOG_MARKERS.stage}Checkout`,
          'remote: Repository not found.',
          "fatal: repository 'https://github.com/acme/nope.git/' not found",
          'ERROR: script returned exit code 128',
        ],
      }));
      expect(last).toMatchObject({
        state: 'failed',
        reason:
          'Jenkins build wharf-deploy #1 failed in stage "Checkout": fatal: repository \'https://github.com/acme/nope.git/\' not found — script returned exit code 128',
        cause: 'source',
      });
    });

    it('UNSTABLE fails the build: the scan found vulnerabilities and nothing was pushed', async () => {
      const { last } = await outcome(() => ({
        result: 'UNSTABLE',
        lines: [
          `${BUILD_LOG_MARKERS.stage}Scan`,
          'Total: 2 (CRITICAL: 2)',
          `${BUILD_LOG_MARKERS.scanFailed}app: vulnerabilities at or above CRITICAL`,
          'Stage "Push" skipped due to earlier failure(s)',
        ],
      }));
      expect(last.state).toBe('failed');
      expect(last.reason).toContain(
        'The image scan (Trivy) found vulnerabilities at or above the TRIVY_FAIL_ON threshold',
      );
      expect(last.reason).toContain('app: vulnerabilities at or above CRITICAL');
      expect(last.image).toBeUndefined();
    });

    it('UNSTABLE for another reason says so', async () => {
      const { last } = await outcome(() => ({ result: 'UNSTABLE', lines: ['tests flaked'] }));
      expect(last).toMatchObject({
        state: 'failed',
        reason: expect.stringContaining('marked build wharf-deploy #1 UNSTABLE'),
      });
    });

    it('ABORTED cancels the build, unless the pipeline timed out', async () => {
      expect((await outcome(() => ({ result: 'ABORTED', lines: ['Aborted by alice'] }))).last).toMatchObject({
        state: 'cancelled',
        reason: expect.stringContaining('was aborted'),
      });
      const timedOut = await outcome(() => ({
        result: 'ABORTED',
        lines: ['Cancelling nested steps due to timeout', 'Timeout has been exceeded'],
      }));
      expect(timedOut.last).toMatchObject({ state: 'failed', reason: expect.stringContaining('time limit') });
    });

    it('ABORTED says who stopped the build: someone in Jenkins, or Wharf itself', async () => {
      const jenkins = await fake({
        script: () => ({ lines: ['one', 'two', 'three'], result: 'SUCCESS', writeIntervalMs: POLL_EVERY_MS }),
      });
      const service = serviceFor(jenkins);
      const byAlice = await service().start(request());
      const first = await service().poll(byAlice.buildId, undefined);
      jenkins.abortBuild('wharf-deploy', 1, 'alice');
      const aborted = await pollToEnd(service, byAlice.buildId);
      expect(aborted.last).toMatchObject({
        state: 'cancelled',
        reason: 'Jenkins build wharf-deploy #1 was aborted in Jenkins by alice',
      });
      expect(first.state).toBe('running');

      const byWharf = await service().start(request());
      await service().poll(byWharf.buildId, undefined);
      await service().cancel(byWharf.buildId);
      expect((await pollToEnd(service, byWharf.buildId)).last).toMatchObject({
        state: 'cancelled',
        reason: 'Jenkins build wharf-deploy #2 was stopped: Wharf cancelled it',
      });
    });

    it('NOT_BUILT fails the build', async () => {
      const { last } = await outcome(() => ({ result: 'NOT_BUILT', lines: [] }));
      expect(last).toMatchObject({
        state: 'failed',
        reason: 'Jenkins did not run build wharf-deploy #1 (NOT_BUILT)',
      });
    });

    it('SUCCESS without the artifact, or with a broken one, fails with a clear reason', async () => {
      const none = await outcome(() => ({ result: 'SUCCESS', lines: ['ok'], artifact: null }));
      expect(none.last).toMatchObject({
        state: 'failed',
        reason: expect.stringContaining('archived no wharf-build.json'),
      });
      const notJson = await outcome(() => ({
        result: 'SUCCESS',
        lines: ['ok'],
        artifact: '{"version": 1, "image": ',
      }));
      expect(notJson.last).toMatchObject({
        state: 'failed',
        reason: expect.stringContaining('that is not JSON'),
      });
      const noDigest = await outcome((params) => ({
        result: 'SUCCESS',
        lines: ['ok'],
        artifact: {
          version: 1,
          runId: params.WHARF_RUN_ID,
          sourceCommit: 'abc1234',
          image: { reference: 'x:y' },
        },
      }));
      expect(noDigest.last).toMatchObject({
        state: 'failed',
        reason: expect.stringContaining('image.digest'),
      });
      const otherRun = await outcome(() => ({
        result: 'SUCCESS',
        lines: ['ok'],
        artifact: {
          version: 1,
          runId: 'r-other',
          sourceCommit: 'abc1234',
          image: { reference: 'x:y', digest: `sha256:${'0'.repeat(64)}` },
        },
      }));
      expect(otherRun.last).toMatchObject({
        state: 'failed',
        reason: expect.stringContaining('for run r-other'),
      });
    });

    it('SUCCESS reads the commit’s subject and author the Jenkinsfile recorded beside the commit', async () => {
      const withAuthor = await outcome((params) => ({
        result: 'SUCCESS',
        lines: ['ok'],
        artifact: {
          version: 1,
          runId: params.WHARF_RUN_ID,
          sourceCommit: '6c6059f',
          sourceMessage: 'Fix header',
          sourceAuthor: 'Alice Example',
          image: { reference: 'x:y', digest: `sha256:${'0'.repeat(64)}` },
        },
      }));
      expect(withAuthor.last).toMatchObject({
        state: 'succeeded',
        sourceCommit: '6c6059f',
        commit: { sha: '6c6059f', message: 'Fix header', author: 'Alice Example' },
      });
      // A record from before the Jenkinsfile wrote them: the SHA alone.
      const bare = await outcome((params) => ({
        result: 'SUCCESS',
        lines: ['ok'],
        artifact: {
          version: 1,
          runId: params.WHARF_RUN_ID,
          sourceCommit: '6c6059f',
          image: { reference: 'x:y', digest: `sha256:${'0'.repeat(64)}` },
        },
      }));
      expect(bare.last).toMatchObject({ state: 'succeeded', commit: { sha: '6c6059f' } });
      expect(bare.last?.commit).not.toHaveProperty('message');
    });

    it('microservices: every service image from the artifact, the first as the image', async () => {
      const jenkins = await fake();
      const service = serviceFor(jenkins);
      const req = request({
        projectType: 'microservices',
        port: undefined,
        services: [
          { name: 'gateway', path: 'gateway', port: 8080 },
          { name: 'orders', path: 'services/orders', port: 8081 },
        ],
      });
      const { last } = await pollToEnd(service, (await service().start(req)).buildId);
      expect(last.state).toBe('succeeded');
      expect(Object.keys(last.images ?? {})).toEqual(['gateway', 'orders']);
      expect(last.images?.orders?.reference).toBe(
        `harbor.example.com/wharf/w1/storefront/orders:${req.runId}`,
      );
      expect(last.image).toEqual(last.images?.gateway);
    });
  });

  it('cuts very long lines into pieces', async () => {
    const long = 'x'.repeat(MAX_LINE_BYTES * 2 + 10);
    const jenkins = await fake({ script: () => ({ lines: [long], result: 'SUCCESS', bytesPerWrite: 5000 }) });
    const service = serviceFor(jenkins);
    const { lines } = await pollToEnd(service, (await service().start(request())).buildId);
    const pieces = withoutAdapterLines(lines).filter((l) => l.startsWith('x'));
    expect(pieces.map((p) => p.length)).toEqual([MAX_LINE_BYTES, MAX_LINE_BYTES, 10]);
  });

  it('cuts very long lines only between characters, at most 8 KiB of UTF-8 each', async () => {
    // An emoji (two UTF-16 units, four bytes) right where a cut by length would fall, then 2-byte characters.
    const long = `${'x'.repeat(MAX_LINE_BYTES - 1)}🚀${'é'.repeat(MAX_LINE_BYTES)}😀 end`;
    for (const partialLines of [false, true]) {
      const jenkins = await fake({
        partialLines,
        script: () => ({ lines: [long], result: 'SUCCESS', bytesPerWrite: 3001 }),
      });
      const service = serviceFor(jenkins);
      const { lines } = await pollToEnd(service, (await service().start(request())).buildId);
      const pieces = withoutAdapterLines(lines).slice(1, -1);
      expect(pieces.join('')).toBe(long);
      for (const piece of pieces) {
        expect(piece.isWellFormed()).toBe(true);
        expect(Buffer.byteLength(piece)).toBeLessThanOrEqual(MAX_LINE_BYTES);
      }
      expect(pieces.length).toBe(Math.ceil(Buffer.byteLength(long) / MAX_LINE_BYTES));
    }
  });

  it('a CRLF line end cut between its CR and LF leaves no CR behind', async () => {
    // While the build runs, Jenkins sends up to the last CR or LF: a chunk may end between the two,
    // and the next one's lone LF then goes out as CRLF (LineEndNormalizingWriter).
    const jenkins = await fake({
      script: () => ({
        lines: ['progress\r', 'done\r'],
        result: 'SUCCESS',
        bytesPerWrite: 1,
        writeIntervalMs: POLL_EVERY_MS,
      }),
    });
    const service = serviceFor(jenkins);
    const { lines } = await pollToEnd(service, (await service().start(request())).buildId, 1_000);
    expect(withoutAdapterLines(lines)).toEqual([
      'Started by user wharf',
      'progress',
      'done',
      'Finished: SUCCESS',
    ]);
  });

  it('waits through "no log file yet" and reads a gzipped log', async () => {
    const many = Array.from({ length: 300 }, (_, i) => `line ${i} ${'y'.repeat(30)}`);
    const jenkins = await fake({
      script: () => ({ lines: many, result: 'SUCCESS', logAbsentMs: 3 * POLL_EVERY_MS, linesPerWrite: 150 }),
    });
    const service = serviceFor(jenkins);
    const { polls, lines } = await pollToEnd(service, (await service().start(request())).buildId);
    expect(polls.slice(0, 3).map((p) => [p.state, withoutAdapterLines(p.lines)])).toEqual([
      ['running', []],
      ['running', []],
      ['running', []],
    ]);
    expect(withoutAdapterLines(lines)).toEqual(buildLog(jenkins));
    const logReads = jenkins.requests
      .map((r, i) => ({ path: r.path, encoding: jenkins.acceptEncodings[i] }))
      .filter((r) => r.path.endsWith('/progressiveText'));
    expect(logReads.every((r) => /gzip/.test(r.encoding ?? ''))).toBe(true);
  });

  describe('start is idempotent per run id', () => {
    it('returns the queued item for a second start', async () => {
      const jenkins = await fake({ quietPeriodMs: 60_000 });
      const service = serviceFor(jenkins);
      const req = request();
      const first = await service().start(req);
      const second = await service().start(req);
      expect(second).toEqual(first);
      expect(jenkins.queue()).toHaveLength(1);
      expect(jenkins.requests.filter((r) => r.path.endsWith('/buildWithParameters'))).toHaveLength(1);
    });

    it('returns the build once the item has left the queue, and queues nothing new', async () => {
      const jenkins = await fake({ executorWaitMs: 60_000 });
      const service = serviceFor(jenkins);
      const req = request();
      await service().start(request()); // another run's build, to be told apart
      const first = await service().start(req);
      expect(jenkins.startQueued()).toEqual([1, 2]);
      const again = await service().start(req);
      expect(again.buildId).toBe(`jenkins:wharf-deploy:${req.runId}:build-2`);
      expect(jenkins.queue()).toHaveLength(2);
      expect(first.buildId).not.toBe(again.buildId);
      // Either id follows the same build.
      const a = await pollToEnd(service, first.buildId);
      const b = await pollToEnd(service, again.buildId);
      expect(withoutAdapterLines(a.lines)).toEqual(withoutAdapterLines(b.lines));
      expect(a.last.image).toEqual(b.last.image);
    });

    it('finds the build by its run id when Jenkins has forgotten the queue item', async () => {
      const jenkins = await fake();
      const service = serviceFor(jenkins);
      const { buildId } = await service().start(request());
      jenkins.startQueued();
      jenkins.forgetLeftItems();
      const { polls, last } = await pollToEnd(service, buildId);
      expect(polls[0]?.lines[0]).toBe('Jenkins build wharf-deploy #1 started');
      expect(last.state).toBe('succeeded');
    });
  });

  describe('cancel', () => {
    it('a cancelled queue item ends the build as cancelled', async () => {
      const jenkins = await fake({ quietPeriodMs: 60_000 });
      const service = serviceFor(jenkins);
      const { buildId } = await service().start(request());
      expect((await service().poll(buildId, undefined)).state).toBe('queued');
      jenkins.cancelQueueItem(100);
      const { last } = await pollToEnd(service, buildId);
      expect(last).toMatchObject({
        state: 'cancelled',
        reason: 'The build was cancelled in Jenkins while it waited in the queue (queue item 100)',
      });
    });

    it('cancels a queued build through the queue, and a running one through stop', async () => {
      const jenkins = await fake({ quietPeriodMs: 60_000 });
      const service = serviceFor(jenkins);
      const queued = await service().start(request());
      await service().cancel(queued.buildId);
      expect(jenkins.requests.at(-1)).toMatchObject({
        method: 'POST',
        path: '/queue/cancelItem',
        query: 'id=100',
      });
      expect((await pollToEnd(service, queued.buildId)).last.state).toBe('cancelled');
      await service().cancel(queued.buildId); // again: nothing left to do
      expect(jenkins.requests.filter((r) => r.path === '/queue/cancelItem')).toHaveLength(1);

      const running = await service().start(request());
      jenkins.startQueued();
      const first = await service().poll(running.buildId, undefined);
      expect(first.state).toBe('running');
      await service().cancel(running.buildId);
      expect(jenkins.requests.at(-1)).toMatchObject({ method: 'POST', path: '/job/wharf-deploy/1/stop' });
      const { last, lines } = await pollToEnd(service, running.buildId);
      expect(last.state).toBe('cancelled');
      expect(lines).toContain('Finished: ABORTED');
    });

    it('stops the build of an item that left the queue while it was being cancelled', async () => {
      const jenkins = await fake({ quietPeriodMs: 60_000 });
      const service = serviceFor(jenkins);
      const { buildId } = await service().start(request());
      // What Jenkins answers for an item an executor took a moment ago.
      jenkins.inject({
        status: 500,
        method: 'POST',
        path: '/queue/cancelItem',
        body: 'Could not cancel run for id 100',
        run: () => jenkins.startQueued(),
      });
      await service().cancel(buildId);
      expect(jenkins.requests.at(-1)).toMatchObject({ method: 'POST', path: '/job/wharf-deploy/1/stop' });
      expect(jenkins.builds()[0]).toMatchObject({ result: 'ABORTED', building: false });
      expect((await pollToEnd(service, buildId)).last.state).toBe('cancelled');
    });

    it('a queue that will not let go of its item is a transient error', async () => {
      const jenkins = await fake({ quietPeriodMs: 60_000 });
      const service = serviceFor(jenkins);
      const { buildId } = await service().start(request());
      jenkins.inject({ status: 500, method: 'POST', path: '/queue/cancelItem' });
      expect((await errorOf(service().cancel(buildId))).name).toBe('TransientError');
      await service().cancel(buildId);
      expect(jenkins.queue()[0]?.state).toBe('cancelled');
    });
  });

  describe('Jenkins blips', () => {
    const MINUTE = 60_000;

    it('a 503 is retried within the poll, which then answers as usual', async () => {
      const jenkins = await fake({
        script: () => ({ lines: ['a', 'b'], result: 'SUCCESS', writeIntervalMs: POLL_EVERY_MS }),
      });
      const service = serviceFor(jenkins);
      const { buildId } = await service().start(request());
      const first = await service().poll(buildId, undefined);
      jenkins.inject({ status: 503, path: /progressiveText/, times: 2 });
      now += POLL_EVERY_MS;
      const second = await service().poll(buildId, first.nextOffset);
      expect(second).toMatchObject({ state: 'running', lines: ['a'] });
      expect(jenkins.requests.filter((r) => r.path.endsWith('/progressiveText'))).toHaveLength(4);
    });

    it('Jenkins restarting mid-build: polls say running, with one note, nothing is stopped, every line arrives once', async () => {
      const jenkins = await fake({
        script: () => ({ lines: ['one', 'two', 'three'], result: 'SUCCESS', writeIntervalMs: 20_000 }),
      });
      const service = serviceFor(jenkins);
      const { buildId } = await service().start(request());
      const polls: BuildProgress[] = [];
      let offset: string | undefined;
      const pollOnce = async () => {
        const progress = await service().poll(buildId, offset);
        polls.push(progress);
        offset = progress.nextOffset;
        now += 5_000;
        return progress;
      };
      await pollOnce();
      await pollOnce();
      jenkins.restart({ downForMs: 3 * MINUTE });
      const before = jenkins.requests.length;
      const outage: BuildProgress[] = [];
      for (let i = 0; i < (3 * MINUTE) / 5_000; i++) outage.push(await pollOnce());
      expect(outage.every((p) => p.state === 'running')).toBe(true);
      // Backoff with jitter: far fewer tries than polls while Jenkins is down.
      expect(jenkins.requests.length - before).toBeLessThan(outage.length);
      let last = outage.at(-1);
      for (let i = 0; i < 100 && last?.state === 'running'; i++) last = await pollOnce();
      expect(last?.state).toBe('succeeded');

      const lines = polls.flatMap((p) => p.lines);
      expect(lines.filter((l) => l.startsWith('Jenkins did not answer'))).toEqual([
        expect.stringContaining('HTTP 503'),
      ]);
      expect(lines.filter((l) => l.startsWith('Jenkins answers again'))).toHaveLength(1);
      expect(withoutAdapterLines(lines)).toEqual(buildLog(jenkins));
      expect(jenkins.requests.some((r) => r.path.endsWith('/stop') || r.path.endsWith('/cancelItem'))).toBe(
        false,
      );
    });

    it('reports a TransientError only after Jenkins has failed for the whole budget (5 min)', async () => {
      const jenkins = await fake({
        script: () => ({ lines: ['slow'], result: 'SUCCESS', writeIntervalMs: 60 * MINUTE }),
      });
      const service = serviceFor(jenkins);
      const { buildId } = await service().start(request());
      let progress = await service().poll(buildId, undefined);
      jenkins.restart({ downForMs: 60 * MINUTE });
      const failedAt = now;
      let error: Error | undefined;
      while (!error && now - failedAt < 10 * MINUTE) {
        now += 5_000;
        try {
          progress = await service().poll(buildId, progress.nextOffset);
          expect(progress.state).toBe('running');
        } catch (e) {
          error = e as Error;
        }
      }
      expect(error?.name).toBe('TransientError');
      expect(error?.message).toMatch(/Jenkins has not answered for 5 min/);
      expect(now - failedAt).toBeGreaterThanOrEqual(5 * MINUTE);
      expect(now - failedAt).toBeLessThan(6 * MINUTE);
      // The state machine's own retries (same offset) still try Jenkins: back up, the poll goes on.
      jenkins.restart({ downForMs: 0 });
      now += 61_000;
      expect((await service().poll(buildId, progress.nextOffset)).state).toBe('running');
    });

    it('follows a queued build that Jenkins re-queued under a new id after a restart, and starts no second one', async () => {
      const jenkins = await fake({ quietPeriodMs: MINUTE });
      const service = serviceFor(jenkins);
      const req = request();
      const { buildId } = await service().start(req);
      const first = await service().poll(buildId, undefined);
      expect(first.state).toBe('queued');
      jenkins.restart({ requeue: true });
      now += 5_000;
      const after = await service().poll(buildId, first.nextOffset);
      expect(after.state).toBe('queued');
      // TriggerBuild run again (a retried Lambda) finds the same queued build.
      expect((await service().start(req)).buildId).toBe(`jenkins:wharf-deploy:${req.runId}:queue-101`);
      now += MINUTE;
      let offset = after.nextOffset;
      let progress = after;
      for (let i = 0; i < 100 && !['succeeded', 'failed', 'cancelled'].includes(progress.state); i++) {
        progress = await service().poll(buildId, offset);
        offset = progress.nextOffset;
        now += POLL_EVERY_MS;
      }
      expect(progress.state).toBe('succeeded');
      expect(jenkins.builds()).toHaveLength(1);
      expect(jenkins.requests.filter((r) => r.path.endsWith('/buildWithParameters'))).toHaveLength(1);
    });

    it('cancels a queued build that Jenkins re-queued under a new id after a restart', async () => {
      const jenkins = await fake({ quietPeriodMs: MINUTE });
      const service = serviceFor(jenkins);
      const { buildId } = await service().start(request());
      jenkins.restart({ requeue: true });
      await service().cancel(buildId);
      expect(jenkins.queue()).toMatchObject([{ id: 101, state: 'cancelled' }]);
    });
  });

  describe('errors', () => {
    it('rejected credentials: a clear error that never shows the token', async () => {
      const jenkins = await fake();
      const service = serviceFor(jenkins, { apiToken: 'wrong-token' });
      const error = await errorOf(service().start(request()));
      expect(error.name).toBe('JenkinsCredentialsRejected');
      expect(error.message).toContain('Jenkins rejected the credentials of user "wharf"');
      expect(error.message).toContain('HTTP 401');
      for (const secret of [
        'wrong-token',
        TOKEN,
        BASIC,
        Buffer.from(`${USER}:wrong-token`).toString('base64'),
      ]) {
        expect(error.message).not.toContain(secret);
        expect(error.stack ?? '').not.toContain(secret);
      }
    });

    it('a 403 that is not about a crumb is a credentials error too, with no secret in it', async () => {
      const jenkins = await fake();
      jenkins.inject({
        status: 403,
        path: '/buildWithParameters',
        body: `<h1>Access denied</h1><p>${USER} is missing the Job/Build permission ${TOKEN}</p>`,
      });
      const error = await errorOf(serviceFor(jenkins)().start(request()));
      expect(error.name).toBe('JenkinsCredentialsRejected');
      expect(error.message).toContain('missing the Job/Build permission');
      expect(error.message).not.toContain(TOKEN);
    });

    it('a 5xx to start is a TransientError; a poll that fails loses no line; unreachable Jenkins fails after the budget', async () => {
      const jenkins = await fake({
        script: () => ({
          lines: ['a', 'b', 'c', 'd'],
          result: 'SUCCESS',
          linesPerWrite: 2,
          writeIntervalMs: POLL_EVERY_MS,
        }),
      });
      const service = serviceFor(jenkins);
      // A POST is never repeated by the client (it could queue twice): the state machine retries start.
      jenkins.inject({ status: 503, path: '/buildWithParameters' });
      const unavailable = await errorOf(service().start(request()));
      expect(unavailable.name).toBe('TransientError');
      expect(unavailable.message).toContain('HTTP 503');

      const { buildId } = await service().start(request());
      const first = await service().poll(buildId, undefined);
      expect(first.state).toBe('running');
      now += POLL_EVERY_MS;
      jenkins.inject({ status: 502, path: /progressiveText/, times: 3 });
      const failed = await service().poll(buildId, first.nextOffset);
      expect(failed).toMatchObject({ state: 'running', lines: [expect.stringContaining('HTTP 502')] });
      // Every line still arrives exactly once.
      const lines = [...first.lines, ...failed.lines];
      let progress = failed;
      while (progress.state === 'running') {
        now += POLL_EVERY_MS * 100;
        progress = await service().poll(buildId, progress.nextOffset);
        lines.push(...progress.lines);
      }
      expect(progress.state).toBe('succeeded');
      expect(withoutAdapterLines(lines)).toEqual(buildLog(jenkins));

      await jenkins.close();
      fakes = fakes.filter((f) => f !== jenkins);
      const down = await service().poll(buildId, first.nextOffset);
      expect(down.lines).toEqual([expect.stringContaining('could not be reached')]);
      now += 5 * 60_000;
      const unreachable = await errorOf(service().poll(buildId, down.nextOffset));
      expect(unreachable.name).toBe('TransientError');
      expect(unreachable.message).toContain('could not be reached');
    });

    it('malformed JSON fails the step with a clear reason, not a TypeError', async () => {
      const jenkins = await fake();
      const service = serviceFor(jenkins);
      const { buildId } = await service().start(request());
      jenkins.inject({
        status: 200,
        path: /^\/queue\/item\//,
        body: '<html><body>Please sign in</body></html>',
      });
      const notJson = await errorOf(service().poll(buildId, undefined));
      expect(notJson).not.toBeInstanceOf(TypeError);
      expect(notJson.name).toBe('JenkinsBadResponse');
      expect(notJson.message).toContain(
        'GET /queue/item/100/api/json with a body that is not JSON (Please sign in)',
      );

      jenkins.inject({ status: 200, path: /^\/queue\/item\//, body: '{"id": "one hundred", "why": 7}' });
      const wrongShape = await errorOf(service().poll(buildId, undefined));
      expect(wrongShape.name).toBe('JenkinsBadResponse');
      expect(wrongShape.message).toContain('JSON Wharf does not understand (id:');

      jenkins.inject({ status: 200, path: '/queue/api/json', body: 'null' });
      expect((await errorOf(service().start(request()))).name).toBe('JenkinsBadResponse');
    });

    it('an unknown job is named', async () => {
      const jenkins = await fake();
      const error = await errorOf(serviceFor(jenkins, { job: 'team/wharf-deploy' })().start(request()));
      expect(error.name).toBe('JenkinsNotFound');
      expect(error.message).toContain('Jenkins job team/wharf-deploy not found');
    });

    it('an offset or build id it did not write is refused clearly', async () => {
      const jenkins = await fake();
      const service = serviceFor(jenkins);
      const { buildId } = await service().start(request());
      expect((await errorOf(service().poll(buildId, 'garbage'))).name).toBe('InvalidBuildOffset');
      expect((await errorOf(service().poll('r0abc', undefined))).name).toBe('BuildNotFound');
    });

    it('refuses settings that would leak or misroute', () => {
      const base = { user: USER, apiToken: TOKEN, job: 'wharf-deploy' };
      expect(() =>
        createJenkinsBuildService({ ...base, url: `https://${USER}:${TOKEN}@ci.example.com` }),
      ).toThrow(ConfigError);
      expect(() => createJenkinsBuildService({ ...base, url: 'ci.example.com' })).toThrow(ConfigError);
      expect(() =>
        createJenkinsBuildService({ ...base, url: 'https://ci.example.com', job: 'team//x' }),
      ).toThrow(ConfigError);
      expect(() =>
        createJenkinsBuildService({ ...base, url: 'https://ci.example.com', job: '../admin' }),
      ).toThrow(ConfigError);
    });
  });

  describe('encoding', () => {
    it('a job in folders, with a space in its name, becomes /job/<folder>/job/<name> with each part encoded', async () => {
      const job = 'team a/wharf deploy';
      const jenkins = await fake({ jobs: [job] });
      const service = serviceFor(jenkins, { job });
      const { buildId } = await service().start(request());
      expect(jenkins.requests.at(-1)?.path).toBe('/job/team%20a/job/wharf%20deploy/buildWithParameters');
      const { last } = await pollToEnd(service, buildId);
      expect(last.state).toBe('succeeded');
      expect(
        jenkins.requests.some((r) => r.path === '/job/team%20a/job/wharf%20deploy/1/logText/progressiveText'),
      ).toBe(true);
    });

    it('run ids and branches with special characters reach Jenkins exactly as given', async () => {
      const jenkins = await fake({ executorWaitMs: 60_000 });
      const service = serviceFor(jenkins);
      const runId = 'r1&WHARF_BRANCH=evil #1:50%/é';
      const branch = 'feature/a&b=c+d #2?x';
      const { buildId } = await service().start(
        request({ runId, repository: { url: 'https://example.com/a.git?x=1&y', branch } }),
      );
      expect(jenkins.queue()[0]?.params).toMatchObject({
        WHARF_RUN_ID: runId,
        WHARF_BRANCH: branch,
        WHARF_REPOSITORY_URL: 'https://example.com/a.git?x=1&y',
      });
      const post = jenkins.requests.find((r) => r.path.endsWith('/buildWithParameters'));
      expect(post?.query).toBe('');
      expect(new URLSearchParams(post?.body).getAll('WHARF_BRANCH')).toEqual([branch]);
      // The id carries the run id (escaped), so a second start and a lost queue item still find it.
      expect(
        (
          await service().start(
            request({ runId, repository: { url: 'https://example.com/a.git?x=1&y', branch } }),
          )
        ).buildId,
      ).toBe(buildId);
      jenkins.startQueued();
      jenkins.forgetLeftItems();
      const { last } = await pollToEnd(service, buildId);
      expect(last.state).toBe('succeeded');
      expect(last.image?.reference).toBe(`harbor.example.com/wharf/w1/storefront:${runId}`);
    });
  });
});
