import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { renderBootstrap } from '../../shared/manifests/index.ts';
import { ENVIRONMENTS, type Environment } from '../../shared/naming.ts';

/**
 * Writes the GitOps repository's `bootstrap/` folder (app-of-apps Application, ApplicationSet,
 * AppProjects and namespaces) into a checkout, from the same renderer the local stack uses:
 *
 *   npx tsx infra/aws/bootstrap-gitops.ts --repo https://github.com/acme/wharf-gitops.git --out ../wharf-gitops \
 *     [--revision main] [--argo-namespace argocd] [--workspace <id>:<name>[:production,staging]]…
 *
 * The files are (re)written in place; the workspace files Wharf committed when workspaces were
 * created (`bootstrap/workspaces/<id>.yaml`) are left alone, and a workspace named with --workspace
 * gets its file written again (what a deploy's "missing AppProject" error asks for). Commit and push,
 * then apply `bootstrap/root-app.yaml` once with kubectl.
 */
async function main() {
  const { values } = parseArgs({
    options: {
      repo: { type: 'string' },
      out: { type: 'string' },
      revision: { type: 'string', default: 'main' },
      'argo-namespace': { type: 'string', default: 'argocd' },
      workspace: { type: 'string', multiple: true, default: [] },
    },
  });
  if (!values.repo || !values.out) {
    throw new Error(
      'Usage: npx tsx infra/aws/bootstrap-gitops.ts --repo <GitOps repository https URL> --out <checkout folder> [--revision main] [--argo-namespace argocd] [--workspace <id>:<name>[:<env>,…]]…',
    );
  }
  const workspaces = (values.workspace ?? []).map((spec) => {
    const [id, name, envs] = spec.split(':');
    if (!id || !name) throw new Error(`--workspace ${spec}: expected <id>:<name>[:<env>,…]`);
    const environments = (envs ? envs.split(',') : ['production']) as Environment[];
    for (const e of environments) {
      if (!ENVIRONMENTS.includes(e))
        throw new Error(`--workspace ${spec}: environment ${e} is not one of ${ENVIRONMENTS.join(', ')}`);
    }
    return { id, name, environments };
  });

  const files = renderBootstrap({
    repoUrl: values.repo,
    revision: values.revision ?? 'main',
    argoNamespace: values['argo-namespace'] ?? 'argocd',
    workspaces,
  });
  const out = resolve(values.out);
  for (const file of files) {
    const path = join(out, file.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.content);
    console.log(`wrote ${file.path}`);
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
