import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger } from './logger.ts';

/**
 * Logs and metrics of the control plane (traces of upstream calls: tracer.ts). Metrics are CloudWatch
 * EMF lines on stdout (no PutMetricData call, no extra permission). Handlers that emit no metric
 * import `logger.ts` directly, so their bundles leave the metrics package out.
 */
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || 'Wharf',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME || 'wharf',
  logger,
});

export { logger };

/**
 * One `RunFinished` count per run that reached a terminal status, by status and environment. It is
 * published at once, on an instance of its own: the workflow task handlers have no `logMetrics`
 * middleware, and nothing another invocation stored is flushed with it. Set
 * POWERTOOLS_METRICS_DISABLED=true to turn it off (the local stack does, having no CloudWatch).
 */
export function recordRunFinished(status: string, environment: string): void {
  const single = metrics.singleMetric();
  single.addDimensions({ status, environment });
  single.addMetric('RunFinished', MetricUnit.Count, 1);
}
