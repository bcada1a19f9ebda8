import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('names the missing setting', () => {
    expect(() => loadConfig({ WHARF_TABLE_NAME: 't' })).toThrow(/Missing setting WHARF_MODE/);
    expect(() => loadConfig({ WHARF_TABLE_NAME: 't', WHARF_MODE: 'prod' })).toThrow(
      /WHARF_MODE must be one of local, cloud/,
    );
  });

  it('refuses a file secret store in the cloud', () => {
    expect(() =>
      loadConfig({ WHARF_TABLE_NAME: 't', WHARF_MODE: 'cloud', WHARF_SECRETS_FILE: '/tmp/s' }),
    ).toThrow(/local stack only/);
  });

  it('reads a complete local configuration', () => {
    const env = {
      WHARF_TABLE_NAME: 't',
      WHARF_MODE: 'local',
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:1',
      WHARF_SECRETS_FILE: '/tmp/s',
    };
    expect(loadConfig(env)).toEqual({
      mode: 'local',
      dynamodbEndpoint: 'http://127.0.0.1:1',
      region: undefined,
      secretsFile: '/tmp/s',
      env,
    });
  });
});
