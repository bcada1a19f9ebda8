import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * X-Ray tracing through Powertools. It turns itself off outside Lambda (no AWS_EXECUTION_ENV: the
 * local stack, tests, the bench) and with POWERTOOLS_TRACE_ENABLED=false; then every call below is a
 * no-op and nothing is sent anywhere. In Lambda, outgoing HTTP(S) and fetch calls (Jenkins, Argo CD,
 * GitHub) get a subsegment each on their own; AWS SDK clients get theirs through `traced`.
 */
export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME || 'wharf' });

/** An AWS SDK v3 client whose calls appear as subsegments (service, operation, retries) in the trace. */
export function traced<T>(client: T): T {
  return tracer.captureAWSv3Client(client);
}
