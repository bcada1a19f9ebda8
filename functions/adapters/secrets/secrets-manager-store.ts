import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { SecretStore } from '../../../shared/ports.ts';

/** Secret values of project env vars in AWS Secrets Manager; the reference is the secret's name. */
export class SecretsManagerStore implements SecretStore {
  private readonly client: SecretsManagerClient;

  constructor(
    client: SecretsManagerClient,
    private readonly options: { kmsKeyId?: string | undefined } = {},
  ) {
    this.client = client;
  }

  async put(ref: string, value: string) {
    try {
      await this.client.send(
        new CreateSecretCommand({
          Name: ref,
          SecretString: value,
          ...(this.options.kmsKeyId ? { KmsKeyId: this.options.kmsKeyId } : {}),
          Tags: [{ Key: 'wharf:managed', Value: 'true' }],
        }),
      );
    } catch (error) {
      if ((error as Error).name !== 'ResourceExistsException') throw error;
      await this.client.send(new PutSecretValueCommand({ SecretId: ref, SecretString: value }));
    }
  }

  async get(ref: string) {
    try {
      const answer = await this.client.send(new GetSecretValueCommand({ SecretId: ref }));
      return answer.SecretString;
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  }

  async delete(ref: string) {
    try {
      await this.client.send(new DeleteSecretCommand({ SecretId: ref, RecoveryWindowInDays: 7 }));
    } catch (error) {
      if ((error as Error).name !== 'ResourceNotFoundException') throw error;
    }
  }
}
