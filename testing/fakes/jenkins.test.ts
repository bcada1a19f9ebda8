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
    jenkins = await startFakeJenkins({
      user: 'wharf',
      apiToken: 't0ken',
      quietPeriodPolls: 1,
      script: () => ({ lines: ['one', 'two'], result: 'SUCCESS', linesPerPoll: 1, artifact: null }),
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
      why: expect.stringMatching(/^In the quiet period\. Expires in/),
    });
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
    }
    expect(text).toBe('Started by user wharf\none\ntwo\nFinished: SUCCESS\n');
    expect(sizes.every((s) => /^\d+$/.test(s))).toBe(true);
    const build = (await (
      await fetch(`${jenkins.url}/job/wharf-deploy/1/api/json`, { headers: auth })
    ).json()) as Record<string, unknown>;
    expect(build).toMatchObject({ number: 1, building: false, result: 'SUCCESS', artifacts: [] });
  });

  it('injects faults and answers cancelItem as Jenkins 2.x does', async () => {
    jenkins = await startFakeJenkins({ user: 'wharf', apiToken: 't0ken', quietPeriodPolls: 5 });
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
