import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * X-Ray tracing through Powertools, for the calls to the delivery systems (Jenkins, GitHub, Argo CD):
 * only the functions whose wiring makes a production delivery adapter import this, so the X-Ray SDK
 * stays out of every other bundle (Lambda's active tracing still gives each invocation a segment).
 * It turns itself off outside Lambda (no AWS_EXECUTION_ENV: the local stack, tests, the bench) and
 * with POWERTOOLS_TRACE_ENABLED=false; then `traceUpstream` only runs the call.
 */
export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME || 'wharf' });

/** Runs one call to an upstream system in its own subsegment (`Jenkins.poll`), errors recorded. */
export async function traceUpstream<T>(name: string, call: () => Promise<T>): Promise<T> {
  const parent = tracer.isTracingEnabled() ? tracer.getSegment() : undefined;
  if (!parent) return call();
  const subsegment = parent.addNewSubsegment(name);
  tracer.setSegment(subsegment);
  try {
    return await call();
  } catch (error) {
    subsegment.addError(error as Error);
    throw error;
  } finally {
    subsegment.close();
    tracer.setSegment(parent);
  }
}
