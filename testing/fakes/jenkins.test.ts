import { afterEach, describe, expect, it } from 'vitest';
import { type FakeJenkins, startFakeJenkins } from './jenkins.ts';

const auth = { authorization: `Basic ${Buffer.from('wharf:t0ken').toString('base64')}` };
let jenkins: FakeJenkins | undefined;
afterEach(async () => {
  await jenkins?.close();
  jenkins = undefined;
});

const form = (params: Record<string, string>) => ({
  method: 'POST',
  headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(params).toString(),
  redirect: 'manual' as const,
});

/** The fake speaks the remote access API as the Jenkins docs describe it (checked with plain fetch). */
describe('startFakeJenkins', () => {
  it('asks for Basic credentials', async () => {
    jenkins = await startFakeJenkins({ user: 'wharf', apiToken: 't0ken' });
    const response = await fetch(`${jenkins.url}/queue/api/json`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Basic realm="Jenkins"');
  });

  it('requires a crumb tied to its session cookie when CSRF protection is on', async () => {
    jenkins = await startFakeJenkins({ user: 'wharf', apiToken: 't0ken', requireCrumb: true });
    const url = `${jenkins.url}/job/wharf-deploy/buildWithParameters`;
    const without = await fetch(url, form({ WHARF_RUN_ID: 'r1' }));
    expect(without.status).toBe(403);
    expect(without.statusText).toBe('No valid crumb was included in the request');

    const issuer = await fetch(`${jenkins.url}/crumbIssuer/api/json`, { headers: auth });
    const { crumb, crumbRequestField } = (await issuer.json()) as {
      crumb: string;
      crumbRequestField: string;
    };
    expect(crumbRequestField).toBe('Jenkins-Crumb');
    const cookie = issuer.headers.getSetCookie()[0]?.split(';')[0] ?? '';
    expect(cookie).toMatch(/^JSESSIONID\.[0-9a-f]{8}=/);

    const noSession = await fetch(url, {
      ...form({ WHARF_RUN_ID: 'r1' }),
      headers: { ...form({}).headers, [crumbRequestField]: crumb },
    });
    expect(noSession.status).toBe(403);
    const withBoth = await fetch(url, {
      ...form({ WHARF_RUN_ID: 'r1' }),
      headers: { ...form({}).headers, [crumbRequestField]: crumb, cookie },
    });
    expect(withBoth.status).toBe(201);
    expect(withBoth.headers.get('location')).toBe(`${jenkins.url}/queue/item/100/`);
  });

  it('queues with parameters, runs the build with a growing log, and keeps undeclared parameters out', async () => {
    let now = 1_000_000;
    jenkins = await startFakeJenkins({
      user: 'wharf',
      apiToken: 't0ken',
      clock: () => now,
      quietPeriodMs: 5_000,
      script: () => ({ lines: ['one', 'two'], result: 'SUCCESS', writeIntervalMs: 100, artifact: null }),
    });
    await fetch(
      `${jenkins.url}/job/wharf-deploy/buildWithParameters`,
      form({ WHARF_RUN_ID: 'r1', SNEAKY: 'x' }),
    );
    const item = async () =>
      (await (await fetch(`${jenkins?.url}/queue/item/100/api/json`, { headers: auth })).json()) as Record<
        string,
        unknown
      >;
    expect(await item()).toMatchObject({
      id: 100,
      why: 'In the quiet period. Expires in 5 sec',
    });
    now += 5_000;
    expect(await item()).toMatchObject({ why: null, cancelled: false, executable: { number: 1 } });
    expect(jenkins.queue()[0]?.params).toMatchObject({ WHARF_RUN_ID: 'r1', WHARF_BRANCH: 'main' });
    expect(jenkins.queue()[0]?.params).not.toHaveProperty('SNEAKY');

    let start = 0;
    let text = '';
    const sizes: string[] = [];
    for (;;) {
      const response = await fetch(
        `${jenkins.url}/job/wharf-deploy/1/logText/progressiveText?start=${start}`,
        {
          headers: auth,
        },
      );
      text += await response.text();
      sizes.push(response.headers.get('x-text-size') ?? '');
      start = Number(response.headers.get('x-text-size'));
      if (response.headers.get('x-more-data') !== 'true') break;
      now += 100;
    }
    expect(text).toBe('Started by user wharf\r\none\r\ntwo\r\nFinished: SUCCESS\r\n');
    expect(sizes.every((s) => /^\d+$/.test(s))).toBe(true);
    const build = (await (
      await fetch(`${jenkins.url}/job/wharf-deploy/1/api/json`, { headers: auth })
    ).json()) as Record<string, unknown>;
    expect(build).toMatchObject({ number: 1, building: false, result: 'SUCCESS', artifacts: [] });
  });

  it('moves the queue on by time, not by reads: quiet period, then waiting for an executor', async () => {
    let now = 0;
    jenkins = await startFakeJenkins({
      user: 'wharf',
      apiToken: 't0ken',
      clock: () => now,
      quietPeriodMs: 3_000,
      executorWaitMs: 60_000,
    });
    await fetch(`${jenkins.url}/job/wharf-deploy/buildWithParameters`, form({ WHARF_RUN_ID: 'r1' }));
    const item = async () =>
      (await (await fetch(`${jenkins?.url}/queue/item/100/api/json`, { headers: auth })).json()) as Record<
        string,
        unknown
      >;
    // However often it is read, the item stays in its quiet period until the time is up.
    for (let i = 0; i < 5; i++) {
      expect(await item()).toMatchObject({
        buildable: false,
        blocked: false,
        why: 'In the quiet period. Expires in 3 sec',
      });
    }
    now = 2_150;
    expect((await item()).why).toBe('In the quiet period. Expires in 0.85 sec');
    now = 3_000;
    expect(await item()).toMatchObject({ buildable: true, why: 'Waiting for next available executor' });
    now = 62_999;
    expect(await item()).toMatchObject({ buildable: true, why: 'Waiting for next available executor' });
    expect(jenkins.builds()).toEqual([]);
    // Jenkins starts the build when an executor frees up, whether anyone is looking or not.
    now = 63_001;
    expect(jenkins.builds()).toMatchObject([{ number: 1, building: true }]);
    expect(await item()).toMatchObject({ why: null, executable: { number: 1 } });
  });

  it('serves progressiveText as Jenkins does: no log file yet, whole lines, CRLF, console notes counted but stripped', async () => {
    let now = 0;
    jenkins = await startFakeJenkins({
      user: 'wharf',
      apiToken: 't0ken',
      clock: () => now,
      executorWaitMs: 60_000,
      script: () => ({
        lines: ['[Pipeline] Start of Pipeline', 'naïve ✔'],
        result: 'SUCCESS',
        logAbsentMs: 500,
        writeIntervalMs: 100,
        bytesPerWrite: 5,
        artifact: null,
      }),
    });
    await fetch(`${jenkins.url}/job/wharf-deploy/buildWithParameters`, form({ WHARF_RUN_ID: 'r1' }));
    expect(jenkins.startQueued()).toEqual([1]);
    const read = async (start: number) => {
      const response = await fetch(
        `${jenkins?.url}/job/wharf-deploy/1/logText/progressiveText?start=${start}`,
        { headers: auth },
      );
      return {
        status: response.status,
        text: await response.text(),
        size: Number(response.headers.get('x-text-size')),
        more: response.headers.get('x-more-data'),
      };
    };
    // The build exists, but its log file doesn't yet.
    expect(await read(0)).toEqual({ status: 200, text: '', size: 0, more: 'true' });
    const build = async () =>
      (await (
        await fetch(`${jenkins?.url}/job/wharf-deploy/1/api/json`, { headers: auth })
      ).json()) as Record<string, unknown>;
    expect(await build()).toMatchObject({ building: true, result: null });

    // 5 bytes written every 100 ms: "Started by user wharf" has a hidden note, and while the build runs
    // only whole lines are served.
    now = 500 + 100 * 3;
    expect(await read(0)).toEqual({ status: 200, text: '', size: 0, more: 'true' });
    let all = '';
    let start = 0;
    let lastSize = 0;
    while (true) {
      now += 100;
      const chunk = await read(start);
      // Never half a line (nor half a character) while the log is open.
      if (chunk.more === 'true') expect(chunk.text === '' || chunk.text.endsWith('\r\n')).toBe(true);
      all += chunk.text;
      lastSize = chunk.size;
      start = chunk.size;
      if (chunk.more !== 'true') break;
    }
    expect(all).toBe(
      'Started by user wharf\r\n[Pipeline] Start of Pipeline\r\nnaïve ✔\r\nFinished: SUCCESS\r\n',
    );
    // X-Text-Size counts the notes: the file is longer than the text.
    expect(lastSize).toBeGreaterThan(Buffer.byteLength(all.replaceAll('\r\n', '\n')));
    expect(jenkins.builds()[0]?.log).toBe(
      'Started by user wharf\n[Pipeline] Start of Pipeline\nnaïve ✔\nFinished: SUCCESS\n',
    );
  });

  it('gzips a chunk above 4 KiB when the client accepts gzip', async () => {
    const long = Array.from({ length: 200 }, (_, i) => `line ${i} ${'x'.repeat(40)}`);
    jenkins = await startFakeJenkins({
      user: 'wharf',
      apiToken: 't0ken',
      script: () => ({ lines: long, result: 'SUCCESS', writeIntervalMs: 0, artifact: null }),
    });
    await fetch(`${jenkins.url}/job/wharf-deploy/buildWithParameters`, form({ WHARF_RUN_ID: 'r1' }));
    jenkins.startQueued();
    const url = `${jenkins.url}/job/wharf-deploy/1/logText/progressiveText?start=0`;
    const zipped = await fetch(url, { headers: { ...auth, 'accept-encoding': 'gzip' } });
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    expect(await zipped.text()).toContain('line 199 ');
    const plain = await fetch(url, { headers: { ...auth, 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toContain('line 199 ');
    const size = Number(plain.headers.get('x-text-size'));
    const small = await fetch(url.replace('start=0', `start=${size - 20}`), {
      headers: { ...auth, 'accept-encoding': 'gzip' },
    });
    expect(small.headers.get('content-encoding')).toBeNull();
  });

  it('restarts: 503 while getting ready, left items forgotten, waiting ones kept (or queued anew)', async () => {
    let now = 0;
    jenkins = await startFakeJenkins({
      user: 'wharf',
      apiToken: 't0ken',
      clock: () => now,
      quietPeriodMs: 60_000,
    });
    await fetch(`${jenkins.url}/job/wharf-deploy/buildWithParameters`, form({ WHARF_RUN_ID: 'r1' }));
    await fetch(`${jenkins.url}/job/wharf-deploy/buildWithParameters`, form({ WHARF_RUN_ID: 'r2' }));
    jenkins.cancelQueueItem(101);
    jenkins.restart({ downForMs: 30_000 });
    const down = await fetch(`${jenkins.url}/queue/api/json`, { headers: auth });
    expect(down.status).toBe(503);
    expect(await down.text()).toContain('Jenkins is getting ready to work');
    now = 30_000;
    const status = async (id: number) =>
      (await fetch(`${jenkins?.url}/queue/item/${id}/api/json`, { headers: auth })).status;
    expect([await status(100), await status(101)]).toEqual([200, 404]);
    jenkins.restart({ requeue: true });
    expect([await status(100), await status(102)]).toEqual([404, 200]);
  });

  it('injects faults and answers cancelItem as Jenkins 2.x does', async () => {
    jenkins = await startFakeJenkins({ user: 'wharf', apiToken: 't0ken', quietPeriodMs: 60_000 });
    jenkins.inject({ status: 503, path: '/queue/api/json' });
    expect((await fetch(`${jenkins.url}/queue/api/json`, { headers: auth })).status).toBe(503);
    expect((await fetch(`${jenkins.url}/queue/api/json`, { headers: auth })).status).toBe(200);

    await fetch(`${jenkins.url}/job/wharf-deploy/buildWithParameters`, form({ WHARF_RUN_ID: 'r1' }));
    const cancel = (id: number) =>
      fetch(`${jenkins?.url}/queue/cancelItem?id=${id}`, { method: 'POST', headers: auth });
    expect((await cancel(100)).status).toBe(204);
    expect((await cancel(999)).status).toBe(404);
    expect(jenkins.queue()[0]?.state).toBe('cancelled');
  });
});
