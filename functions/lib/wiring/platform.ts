import { resolve } from 'node:path';
import type { PlatformConfig } from '../../../shared/manifests/types.ts';
import { optionalSetting, setting } from '../config.ts';
import { port, settings } from './ports.ts';

export type DeliveryPlatform = PlatformConfig & {
  imageRegistry: string;
  /**
   * The host custom domains are pointed at with a CNAME: the ingress load balancer's DNS name
   * (WHARF_INGRESS_HOST). Without it, the platform domain: locally `localhost`, the gateway's host;
   * a cluster's operator sets it, since the apps' wildcard record need not cover the bare domain.
   */
  ingressHost: string;
};

/**
 * Where production databases' backup CronJobs write. In AWS: the bucket WHARF_BACKUP_BUCKET, written
 * through the workspace namespaces' `wharf-backup` service account (IRSA; WHARF_BACKUP_SERVICE_ACCOUNT
 * names another). On the local platform: `<data dir>/backups` on this machine, the folder the local
 * backup store lists. Neither: no backup CronJob is rendered.
 */
export function backupDestination(env: NodeJS.ProcessEnv): PlatformConfig['backups'] {
  const bucket = optionalSetting(env, 'WHARF_BACKUP_BUCKET');
  if (bucket) {
    const region = optionalSetting(env, 'WHARF_BACKUP_REGION') ?? optionalSetting(env, 'AWS_REGION');
    return {
      kind: 's3',
      bucket,
      serviceAccount: optionalSetting(env, 'WHARF_BACKUP_SERVICE_ACCOUNT') ?? 'wharf-backup',
      ...(region ? { region } : {}),
    };
  }
  const dataDir = optionalSetting(env, 'WHARF_DATA_DIR');
  if (optionalSetting(env, 'WHARF_MODE') === 'local' && dataDir) {
    // A hostPath must be absolute; the data folder may be given relative to where the stack started.
    return { kind: 'hostPath', path: resolve(dataDir, 'backups') };
  }
  return undefined;
}

/** The host custom domains' CNAMEs point at: WHARF_INGRESS_HOST, else the platform domain. */
export const ingressHostOf = (env: NodeJS.ProcessEnv, platformDomain: string): string =>
  optionalSetting(env, 'WHARF_INGRESS_HOST') ?? platformDomain;

/** Where apps are served and images go: what rendering a release and starting a build need. */
export const platform = port('platform', (): DeliveryPlatform => {
  const { env } = settings();
  const liveUrlTemplate = optionalSetting(env, 'WHARF_LIVE_URL_TEMPLATE');
  const backups = backupDestination(env);
  const domain = setting(
    env,
    'WHARF_PLATFORM_DOMAIN',
    'the domain apps are served under, e.g. apps.example.com',
  );
  return {
    domain,
    ingressHost: ingressHostOf(env, domain),
    imageRegistry: setting(
      env,
      'WHARF_IMAGE_REGISTRY',
      'where images are pushed, e.g. harbor.example.com/wharf',
    ),
    clusterIssuer: optionalSetting(env, 'WHARF_CLUSTER_ISSUER') ?? 'letsencrypt',
    secretStore: optionalSetting(env, 'WHARF_SECRET_STORE') ?? 'wharf-secrets',
    ...(liveUrlTemplate ? { liveUrl: (host: string) => liveUrlTemplate.replace('{host}', host) } : {}),
    ...(backups ? { backups } : {}),
  };
});
