import {
  CreateSecretCommand,
  DeleteSecretCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SecretsManagerStore } from './secrets-manager-store.ts';

const sm = mockClient(SecretsManagerClient);

describe('SecretsManagerStore', () => {
  beforeEach(() => sm.reset());

  it('creates a secret, or puts a new value when it exists', async () => {
    const store = new SecretsManagerStore(new SecretsManagerClient({ region: 'eu-west-1' }));
    sm.on(CreateSecretCommand)
      .resolvesOnce({})
      .rejectsOnce(new ResourceExistsException({ message: 'exists', $metadata: {} }));
    sm.on(PutSecretValueCommand).resolves({});
    await store.put('wharf/w1/p1/API_KEY/t1', 'v1');
    await store.put('wharf/w1/p1/API_KEY/t1', 'v2');
    expect(sm.commandCalls(CreateSecretCommand)[0]?.args[0].input).toMatchObject({
      Name: 'wharf/w1/p1/API_KEY/t1',
      SecretString: 'v1',
    });
    expect(sm.commandCalls(PutSecretValueCommand)[0]?.args[0].input).toEqual({
      SecretId: 'wharf/w1/p1/API_KEY/t1',
      SecretString: 'v2',
    });
  });

  it('deletes with a recovery window and ignores a secret already gone', async () => {
    const store = new SecretsManagerStore(new SecretsManagerClient({ region: 'eu-west-1' }));
    sm.on(DeleteSecretCommand).rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));
    await expect(store.delete('wharf/x')).resolves.toBeUndefined();
    expect(sm.commandCalls(DeleteSecretCommand)[0]?.args[0].input).toEqual({
      SecretId: 'wharf/x',
      RecoveryWindowInDays: 7,
    });
  });
});
