import { type FunctionConfig, loadConfig } from '../config.ts';

/**
 * The composition root of every Lambda function (and of the local stack's in-process handlers): one
 * cached factory per port, each in the module of its adapter, so a handler's bundle carries only the
 * clients of the ports it names. Each factory picks the local or production adapter itself from the
 * typed settings. Handlers call the factories at module load (a cold start), so a missing setting
 * fails the function's first invocation with a message naming it.
 */

/** Every port a handler can be given; infra/aws/handler-access.test.ts maps each to its grants. */
export type PortName =
  | 'users'
  | 'workspaces'
  | 'projects'
  | 'runs'
  | 'deployTurns'
  | 'releases'
  | 'runLogs'
  | 'connections'
  | 'webhookDeliveries'
  | 'approvals'
  | 'credentialReads'
  | 'secretStore'
  | 'backupStore'
  | 'webhookSecret'
  | 'messenger'
  | 'workflowEngine'
  | 'buildService'
  | 'gitopsRepository'
  | 'syncService'
  | 'platform'
  | 'tokenVerifier';

const wired = new Set<PortName>();

/** The ports this process has made: what its handler depends on (read by the access test). */
export const wiredPorts = (): ReadonlySet<PortName> => wired;

/** A port's factory: makes the adapter on first call, then returns the same one. */
export function port<T>(name: PortName, make: () => T): () => T {
  let value: T | undefined;
  return () => {
    if (value === undefined) {
      value = make();
      wired.add(name);
    }
    return value;
  };
}

let config: FunctionConfig | undefined;
/** The function's settings, read once from the environment. */
export function settings(): FunctionConfig {
  config ??= loadConfig();
  return config;
}

/** Makes the value once, on first use; a failure (say, a secret read) is retried by the next call. */
export function deferred<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make().catch((error) => {
      made = undefined;
      throw error;
    });
    return made;
  };
}
