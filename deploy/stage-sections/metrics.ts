import type { MetricsSettings } from '../../sources/stack/stage-types.ts';
import { HTTPS_URL, METRICS_NAMESPACE, type Raw, type Reader } from '../stage-fields.ts';

/*
 * The stage's `metrics:`: the CloudWatch namespace of the per-run metrics and the runbook the
 * summaries and alarms link to. Loaded by osls through Node's type stripping: erasable
 * TypeScript only, `.ts` imports.
 */

export const METRICS_DEFAULTS = { namespace: 'ExportOrchestrator' } as const;

/** Reads `metrics:`; defaults for what it leaves out. */
export function readMetrics(r: Reader, raw: Raw): MetricsSettings {
  const rawMetrics = r.object(raw, 'metrics', 'metrics');
  r.unknownKeys(rawMetrics, ['namespace', 'runbookUrl'], 'metrics');
  const metricsNamespace = r.string(
    rawMetrics,
    'namespace',
    'metrics.namespace',
    METRICS_NAMESPACE,
    '1-255 of letters, digits and . - _ / # : (CloudWatch namespaces; not starting with AWS/)',
  );
  const runbookUrl = r.string(rawMetrics, 'runbookUrl', 'metrics.runbookUrl', HTTPS_URL, 'an https:// URL');
  return {
    namespace: metricsNamespace ?? METRICS_DEFAULTS.namespace,
    ...(runbookUrl && { runbookUrl }),
  };
}
