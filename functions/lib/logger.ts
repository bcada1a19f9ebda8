import { Logger } from '@aws-lambda-powertools/logger';
import type {
  CustomJsonReplacerFn,
  LogItemExtraInput,
  LogItemMessage,
  LogLevel,
} from '@aws-lambda-powertools/logger/types';

/**
 * Structured JSON logs through Powertools for AWS Lambda: one line each, with the Lambda context
 * (`injectLambdaContext` in the handler factories) and the keys of the invocation (`runId`, `route`).
 * Error values anywhere in a line are reduced to name, message and stack (and their cause, so reduced).
 */

const LEVELS = new Set(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT']);

/** LOG_LEVEL in any case (`silent`, `debug`, …); Powertools itself only accepts it upper-case from the environment. */
function levelFromEnv(): LogLevel {
  const value = (process.env.POWERTOOLS_LOG_LEVEL || process.env.LOG_LEVEL || 'INFO').toUpperCase();
  return (LEVELS.has(value) ? value : 'INFO') as LogLevel;
}

/**
 * Powertools would serialize every own property of an error: an SDK or Octokit error carries the
 * request and response (headers, bodies) with it. Only what explains the failure is kept.
 */
const reduceErrors: CustomJsonReplacerFn = (_key, value) =>
  value instanceof Error
    ? {
        name: value.name,
        message: value.message,
        stack: value.stack,
        ...(value.cause instanceof Error ? { cause: value.cause } : {}),
      }
    : value;

/**
 * Powertools reads the level once, when the logger is built, and goes back to that level at the start
 * of every invocation. The local stack, the bench and some tests set LOG_LEVEL after this module is
 * imported (ES imports run first), so the level follows the variable whenever it changes; in Lambda
 * it never does, and this costs one comparison a line.
 */
class WharfLogger extends Logger {
  #seen: string | undefined = process.env.LOG_LEVEL;
  readonly #initial = levelFromEnv();

  #follow() {
    const current = process.env.LOG_LEVEL;
    if (current === this.#seen) return;
    this.#seen = current;
    this.setLogLevel(levelFromEnv());
  }

  override refreshSampleRateCalculation() {
    super.refreshSampleRateCalculation();
    // Back at the level read at construction (not raised to DEBUG by sampling): use the current one.
    if (this.getLevelName() === this.#initial) this.setLogLevel(levelFromEnv());
  }

  override debug(input: LogItemMessage, ...extra: LogItemExtraInput) {
    this.#follow();
    super.debug(input, ...extra);
  }
  override info(input: LogItemMessage, ...extra: LogItemExtraInput) {
    this.#follow();
    super.info(input, ...extra);
  }
  override warn(input: LogItemMessage, ...extra: LogItemExtraInput) {
    this.#follow();
    super.warn(input, ...extra);
  }
  override error(input: LogItemMessage, ...extra: LogItemExtraInput) {
    this.#follow();
    super.error(input, ...extra);
  }
}

export const logger: Logger = new WharfLogger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME || 'wharf',
  logLevel: levelFromEnv(),
  jsonReplacerFn: reduceErrors,
});
