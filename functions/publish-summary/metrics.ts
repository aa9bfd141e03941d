import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { RUN_DIMENSIONS } from '../../core/metric-dimensions.ts';
import { OUTCOME_RULES } from '../../core/outcome.ts';
import type { ExportSummary } from '../../core/types.ts';

export { RUN_DIMENSIONS };

/*
 * One set of CloudWatch metrics per run, written by publish-summary as Embedded
 * Metric Format log lines (Powertools Metrics): no API call, nothing to fail.
 * Dimensions stay low-cardinality — stage, source, target name, outcome — never
 * a job id or an execution name. Two documents per run:
 *
 *   per target  (service, Stage, Source, Target): what the night exported and cost
 *   per outcome (service, Stage, Source, Outcome): how many runs ended how
 *
 * deploy/dashboard.ts graphs exactly these names and dimensions (a test holds
 * them equal), and deploy/metric-alarms.ts alarms on them.
 */

/** The metrics a run emits, with their units. */
export const RUN_METRICS = {
  /** Records exported (processed minus failed) by a job that completed, whatever the run's outcome. */
  RecordsExported: MetricUnit.Count,
  /** TotalFailures. */
  Failures: MetricUnit.Count,
  /** The export job's creation to completion. */
  JobDurationSeconds: MetricUnit.Seconds,
  /** The job's completion to this summary: what the poller costs in alert delay. */
  SummaryDelaySeconds: MetricUnit.Seconds,
  /** GetExportJob calls the poll loop made. */
  StatusChecks: MetricUnit.Count,
  /** 1 when the records dropped past the stage's threshold against the previous COMPLETED run. */
  RecordsDrop: MetricUnit.Count,
  /** 1 when the files in S3 did not hold what the source reported (only when verified). */
  VerificationMismatch: MetricUnit.Count,
  /** 1 per run: per target, and per outcome (the run's outcome: core/outcome.ts). */
  Runs: MetricUnit.Count,
} as const;

export type RunMetricName = keyof typeof RUN_METRICS;

/** What the run emitted, for the local run's one-line digest. */
export type RunMetricValues = Partial<Record<RunMetricName, number>>;

/** The per-target values of one run. */
export function runMetricValues(summary: ExportSummary, now: Date): RunMetricValues {
  const values: RunMetricValues = { Runs: 1, StatusChecks: summary.statusChecks };
  if (OUTCOME_RULES[summary.status]?.jobCompleted) values.RecordsExported = summary.exported ?? 0;
  if (summary.TotalFailures !== null) values.Failures = summary.TotalFailures;
  if (summary.durationSeconds !== null) values.JobDurationSeconds = summary.durationSeconds;
  const completed = summary.completionDate ? Date.parse(summary.completionDate) : Number.NaN;
  if (Number.isFinite(completed)) {
    values.SummaryDelaySeconds = Math.max(0, Math.round((now.getTime() - completed) / 100) / 10);
  }
  if (summary.status === 'COMPLETED') values.RecordsDrop = summary.recordsDrop ? 1 : 0;
  const verdict = summary.verification?.verdict;
  if (verdict === 'MISMATCH' || verdict === 'VERIFIED')
    values.VerificationMismatch = verdict === 'MISMATCH' ? 1 : 0;
  return values;
}

/**
 * Adds one of the run's two metric documents to `metrics` (the caller flushes
 * with publishStoredMetrics, once per document).
 */
export function addRunMetrics(
  metrics: Metrics,
  summary: ExportSummary,
  document: keyof typeof RUN_DIMENSIONS,
  values: RunMetricValues,
  source: string = summary.source ?? 'pinpoint',
): void {
  const common = { Stage: summary.stage, Source: source };
  if (document === 'target') {
    metrics.addDimensions({ ...common, Target: summary.target ?? 'unknown' });
    for (const [name, value] of Object.entries(values) as [RunMetricName, number][]) {
      metrics.addMetric(name, RUN_METRICS[name], value);
    }
  } else {
    metrics.addDimensions({ ...common, Outcome: summary.status });
    metrics.addMetric('Runs', RUN_METRICS.Runs, 1);
  }
}

/** Emits both documents of one run. */
export function emitRunMetrics(metrics: Metrics, summary: ExportSummary, now: Date): RunMetricValues {
  const values = runMetricValues(summary, now);
  addRunMetrics(metrics, summary, 'target', values);
  metrics.publishStoredMetrics();
  addRunMetrics(metrics, summary, 'outcome', values);
  metrics.publishStoredMetrics();
  return values;
}
