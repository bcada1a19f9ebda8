import type { BuildService, GitOpsRepository, SyncService } from '../../shared/deploy-ports.ts';
import type { PlatformConfig } from '../../shared/manifests/types.ts';
import type { WorkflowLimits } from '../../shared/use-cases/workflow-tasks.ts';
import { localServices } from '../adapters/local-services.ts';
import { ConfigError, choice, optionalSetting, positiveInt, setting } from './config.ts';
import { type ProductionAdapters, productionAdapters } from './delivery/registry.ts';
import { deployDeps } from './deploy-deps.ts';
import { lazy } from './deps.ts';

/** A registered production adapter, or a message naming the import the handler is missing. */
function production<K extends keyof ProductionAdapters>(name: K, port: string) {
  const make = productionAdapters[name];
  if (!make) {
    throw new ConfigError(
      `This function does not include the ${name} adapter: import functions/lib/delivery/${name}.ts in its handler and list '${port}' in its adapters (functions/sfn/definition.ts, infra/aws/handler-access.ts)`,
    );
  }
  return make as NonNullable<ProductionAdapters[K]>;
}

function makeDeliveryDeps() {
  const base = deployDeps();
  const { env, mode } = base;
  const localDataDir = () => setting(env, 'WHARF_DATA_DIR', 'the local stack data folder (set by npm start)');
  const local = mode === 'local' ? 'local' : undefined;

  const build = lazy((): BuildService => {
    const kind = choice(env, 'WHARF_BUILD_SERVICE', ['local', 'jenkins'] as const, local);
    if (kind === 'jenkins') return production('jenkins', 'build')(env, base);
    return localServices.get(localDataDir()).build;
  });
  const gitops = lazy((): GitOpsRepository => {
    const kind = choice(env, 'WHARF_GITOPS', ['local', 'github'] as const, local);
    if (kind === 'github') return production('github', 'gitops')(env, base);
    return localServices.get(localDataDir()).gitops;
  });
  const sync = lazy((): SyncService => {
    const kind = choice(env, 'WHARF_SYNC', ['local', 'argocd'] as const, local);
    if (kind === 'argocd') return production('argocd', 'sync')(env, base);
    return localServices.get(localDataDir()).sync;
  });
  const platform = lazy((): PlatformConfig & { imageRegistry: string } => {
    const liveUrlTemplate = optionalSetting(env, 'WHARF_LIVE_URL_TEMPLATE');
    return {
      domain: setting(
        env,
        'WHARF_PLATFORM_DOMAIN',
        'the domain apps are served under, e.g. apps.example.com',
      ),
      imageRegistry: setting(
        env,
        'WHARF_IMAGE_REGISTRY',
        'where images are pushed, e.g. harbor.example.com/wharf',
      ),
      clusterIssuer: optionalSetting(env, 'WHARF_CLUSTER_ISSUER') ?? 'letsencrypt',
      secretStore: optionalSetting(env, 'WHARF_SECRET_STORE') ?? 'wharf-secrets',
      ...(liveUrlTemplate ? { liveUrl: (host: string) => liveUrlTemplate.replace('{host}', host) } : {}),
    };
  });
  const limits = lazy(
    (): WorkflowLimits => ({
      turnWaits: positiveInt(env, 'WHARF_LIMIT_TURN_WAITS', 1800),
      buildPolls: positiveInt(env, 'WHARF_LIMIT_BUILD_POLLS', 720),
      syncChecks: positiveInt(env, 'WHARF_LIMIT_SYNC_CHECKS', 120),
    }),
  );
  return Object.defineProperties(Object.create(base) as typeof base, {
    build: { get: build, enumerable: true },
    gitops: { get: gitops, enumerable: true },
    sync: { get: sync, enumerable: true },
    platform: { get: platform, enumerable: true },
    limits: { get: limits, enumerable: true },
  }) as typeof base & {
    readonly build: BuildService;
    readonly gitops: GitOpsRepository;
    readonly sync: SyncService;
    readonly platform: PlatformConfig & { imageRegistry: string };
    readonly limits: WorkflowLimits;
  };
}

export type DeliveryDeps = ReturnType<typeof makeDeliveryDeps>;

let cached: DeliveryDeps | undefined;
/** The build service, the GitOps repository and the sync service, on top of `deployDeps()`. */
export function deliveryDeps(): DeliveryDeps {
  cached ??= makeDeliveryDeps();
  return cached;
}
