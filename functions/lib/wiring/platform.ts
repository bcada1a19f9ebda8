import type { PlatformConfig } from '../../../shared/manifests/types.ts';
import { optionalSetting, setting } from '../config.ts';
import { port, settings } from './ports.ts';

export type DeliveryPlatform = PlatformConfig & { imageRegistry: string };

/** Where apps are served and images go: what rendering a release and starting a build need. */
export const platform = port('platform', (): DeliveryPlatform => {
  const { env } = settings();
  const liveUrlTemplate = optionalSetting(env, 'WHARF_LIVE_URL_TEMPLATE');
  return {
    domain: setting(env, 'WHARF_PLATFORM_DOMAIN', 'the domain apps are served under, e.g. apps.example.com'),
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
