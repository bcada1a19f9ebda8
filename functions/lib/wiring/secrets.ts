import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretStore } from '../../../shared/ports.ts';
import { SecretsManagerStore } from '../../adapters/secrets/secrets-manager-store.ts';
import { webhookSecret as readWebhookSecret } from '../platform-secret.ts';
import { localPlatform } from './local.ts';
import { deferred, port, settings } from './ports.ts';

/** Project secrets: Secrets Manager in AWS, the local platform's file store locally. */
export const secretStore = port('secretStore', (): SecretStore => {
  const { mode, region } = settings();
  if (mode === 'local') return localPlatform().secrets;
  return new SecretsManagerStore(new SecretsManagerClient(region ? { region } : {}));
});

const webhookSecretValue = deferred(() => readWebhookSecret(settings().env));
/** The GitHub webhook's HMAC secret, read once (Secrets Manager in AWS). */
export const webhookSecret = port('webhookSecret', () => webhookSecretValue);
