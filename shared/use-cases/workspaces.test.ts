import { describe, expect, it } from 'vitest';
import type { DomainError } from '../errors.ts';
import { argoProjectName, workspaceBootstrapFile } from '../manifests/index.ts';
import { workspaceNamespace } from '../naming.ts';
import { alice, bob, inMemoryDeps } from '../testing/fixtures.ts';
import { FakeGitOps } from '../testing/in-memory-deploy.ts';
import { makeGetMe } from './me.ts';
import {
  makeAddMember,
  makeCreateWorkspace,
  makeGetWorkspace,
  makeListWorkspaces,
  makeRemoveMember,
} from './workspaces.ts';

const setup = async () => {
  const deps = inMemoryDeps();
  const getMe = makeGetMe(deps);
  await getMe(alice);
  await getMe(bob);
  const ws = await makeCreateWorkspace(deps)(alice, { name: 'payments' });
  return { deps, getMe, ws };
};

const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return (e as DomainError).code;
  }
  return 'no error';
};

describe('me', () => {
  it('bootstraps the user and one personal workspace, once', async () => {
    const deps = inMemoryDeps();
    const getMe = makeGetMe(deps);
    const [a, b] = await Promise.all([getMe(alice), getMe(alice)]);
    expect(a.user.id).toBe('alice');
    expect(a.workspaces).toHaveLength(1);
    expect(b.workspaces.map((w) => w.id)).toEqual(a.workspaces.map((w) => w.id));
    expect(a.workspaces[0]).toMatchObject({ personal: true, role: 'owner', name: 'alice' });
    expect(deps.store.workspaces.size).toBe(1);
  });
});

describe('workspaces', () => {
  it('creates a workspace with a derived namespace and the creator as owner', async () => {
    const { ws } = await setup();
    expect(ws.namespace).toBe(`payments-${ws.id}`);
    expect(ws.members).toEqual([expect.objectContaining({ userId: 'alice', role: 'owner' })]);
  });

  it('shows members with their names', async () => {
    const { deps, ws } = await setup();
    await makeAddMember(deps)(alice, ws.id, { userId: 'bob', role: 'member' });
    const { members } = await makeGetWorkspace(deps)(alice, ws.id);
    expect(members.map((m) => [m.userId, m.username, m.name])).toEqual([
      ['alice', alice.username, alice.name],
      ['bob', bob.username, bob.name],
    ]);
  });

  it('hides a workspace from non-members exactly like a missing one', async () => {
    const { deps, ws } = await setup();
    const get = makeGetWorkspace(deps);
    expect(await codeOf(get(bob, ws.id))).toBe('workspace.not_found');
    expect(await codeOf(get(bob, 'wdoesnotexist'))).toBe('workspace.not_found');
  });

  it('lets the owner add and remove members; members cannot manage others', async () => {
    const { deps, ws } = await setup();
    const add = makeAddMember(deps);
    const remove = makeRemoveMember(deps);
    await add(alice, ws.id, { userId: 'bob', role: 'member' });
    expect((await makeListWorkspaces(deps)(bob)).items.map((w) => w.id)).toContain(ws.id);
    expect(await codeOf(add(bob, ws.id, { userId: 'bob', role: 'owner' }))).toBe('workspace.owner_required');
    expect(await codeOf(remove(bob, ws.id, 'alice'))).toBe('workspace.owner_required');
    expect(await codeOf(add(alice, ws.id, { userId: 'bob', role: 'member' }))).toBe(
      'workspace.member_exists',
    );
    expect(await codeOf(add(alice, ws.id, { userId: 'nobody', role: 'member' }))).toBe('user.not_found');
    await remove(alice, ws.id, 'bob');
    expect(await codeOf(makeGetWorkspace(deps)(bob, ws.id))).toBe('workspace.not_found');
  });

  it('never removes the last owner', async () => {
    const { deps, ws } = await setup();
    expect(await codeOf(makeRemoveMember(deps)(alice, ws.id, 'alice'))).toBe('workspace.last_owner');
  });
});

describe('creating a workspace bootstraps it in GitOps', () => {
  const target = { repoUrl: 'https://github.com/acme/gitops.git', revision: 'main', argoNamespace: 'argocd' };

  it("commits the workspace's AppProject and namespaces as one file of its own", async () => {
    const deps = inMemoryDeps();
    const gitops = new FakeGitOps();
    const warnings: string[] = [];
    const log = { warn: (message: string) => warnings.push(message) };
    const ws = await makeCreateWorkspace({ ...deps, bootstrap: { gitops, target, log } })(alice, {
      name: 'payments',
    });
    expect(gitops.commits).toHaveLength(1);
    const change = gitops.commits[0]?.change;
    expect(change?.files.map((f) => f.path)).toEqual([workspaceBootstrapFile(ws.id)]);
    expect(change?.deletePaths ?? []).toEqual([]);
    const content = change?.files[0]?.content ?? '';
    expect(content).toContain('kind: AppProject');
    expect(content).toContain(`name: ${argoProjectName(ws.id)}`);
    for (const environment of ['staging', 'production'] as const) {
      expect(content).toContain(`name: ${workspaceNamespace(ws, environment)}`);
    }
    expect(warnings).toEqual([]);
  });

  it('still creates the workspace when the commit fails, and says in the log that the first deploy writes it', async () => {
    const deps = inMemoryDeps();
    const gitops = new FakeGitOps();
    gitops.refuse = () => true;
    const warnings: Array<{ message: string; details: Record<string, unknown> | undefined }> = [];
    const log = {
      warn: (message: string, details?: Record<string, unknown>) => warnings.push({ message, details }),
    };
    const ws = await makeCreateWorkspace({ ...deps, bootstrap: { gitops, target, log } })(alice, {
      name: 'payments',
    });
    expect(await deps.workspaces.get(ws.id)).toMatchObject({ id: ws.id, name: 'payments' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toContain('first deploy');
    expect(warnings[0]?.details).toMatchObject({ workspaceId: ws.id });
  });
});
