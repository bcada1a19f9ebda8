import { availableParallelism, cpus } from 'node:os';
import { CONTAINER_INSTALL_COMMAND, missingContainerTools } from '../infra/local/containers/environment.ts';
import { benchApiLoad } from './api-load.ts';
import { benchApproval } from './approval.ts';
import { benchDeploys } from './deploy.ts';
import { benchGitopsThroughput } from './gitops-throughput.ts';
import { benchHandlerImport } from './handler-import.ts';
import { benchPromotion } from './promotion.ts';
import { benchWebApp } from './web-app.ts';

/**
 * `npm run bench`: prints the control plane's performance figures against their targets. It reports
 * and does not assert: a missed target still exits 0; only a failure of the bench itself exits non-zero.
 */
// Before the stack starts: the handlers' request logs would drown the figures.
process.env.LOG_LEVEL = 'silent';

async function main() {
  const started = performance.now();
  console.log('Wharf benchmark');
  console.log(
    `node ${process.version} on ${process.platform}/${process.arch}, ${availableParallelism()} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${new Date().toISOString()}`,
  );
  console.log(await benchApiLoad());
  console.log(await benchHandlerImport());
  console.log(await benchDeploys('processes'));
  // Container mode where the tools are installed (buildah, podman, docker-registry, …), in the same run.
  const missing = await missingContainerTools();
  if (missing.length === 0) console.log(await benchDeploys('containers'));
  else
    console.log(
      `\n(container mode not measured: ${missing.join(', ')} missing; ${CONTAINER_INSTALL_COMMAND})`,
    );
  console.log(await benchPromotion());
  console.log(await benchApproval());
  console.log(await benchGitopsThroughput());
  console.log(await benchWebApp());
  console.log(`\nbench finished in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((error: unknown) => {
  console.error('bench failed:', error);
  process.exitCode = 1;
});
