import { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it } from 'vitest';
import { OUTCOMES } from '../../core/outcome.ts';
import type { ExportSummary } from '../../core/types.ts';
import { addRunMetrics, RUN_DIMENSIONS, runMetricValues } from '../../functions/publish-summary/metrics.ts';

/*
 * The Embedded Metric Format documents one run writes: names, units, dimensions
 * and values, for each outcome. Read with Powertools' own serializer, so what is
 * asserted is what CloudWatch would extract from the log line.
 */

const NOW = new Date('2026-11-28T02:15:10.000Z');

function summary(overrides: Partial<ExportSummary> = {}): ExportSummary {
  return {
    status: 'COMPLETED',
    headline: 'Exported 48,210 endpoints',
    stage: 'prod',
    target: 'nightly-all-endpoints',
    previousRun: null,
    recordsDrop: false,
    sourceFields: {
      applicationId: '7f3c9a1b2c3d4e5f60718293a4b5c6d7',
      segmentId: null,
      segmentVersion: null,
    },
    jobId: '9a8b7c6d5e4f30211f2e3d4c5b6a7980',
    jobStatus: 'COMPLETED',
    jobReused: false,
    s3UrlPrefix: 's3://exports/pinpoint/',
    TotalProcessed: 48_210,
    TotalFailures: 3,
    exported: 48_207,
    Failures: [],
    failuresOmitted: 0,
    TotalPieces: 8,
    CompletedPieces: 8,
    FailedPieces: 0,
    creationDate: '2026-11-28T02:00:08.000Z',
    completionDate: '2026-11-28T02:14:40.000Z',
    durationSeconds: 872,
    statusChecks: 9,
    scheduledTime: '2026-11-28T02:00:00.000Z',
    execution: {
      id: 'arn:…:exec-1',
      name: 'exec-1',
      startTime: '2026-11-28T02:00:07.000Z',
      trigger: 'schedule',
    },
    error: null,
    ...overrides,
  };
}

/** The EMF document of one of the run's two sets of metrics. */
function emf(s: ExportSummary, document: 'target' | 'outcome') {
  const metrics = new Metrics({
    namespace: 'ExportOrchestrator',
    serviceName: 'scheduled-exports',
  });
  addRunMetrics(metrics, s, document, runMetricValues(s, NOW));
  const out = metrics.serializeMetrics() as unknown as {
    _aws: {
      CloudWatchMetrics: {
        Namespace: string;
        Dimensions: string[][];
        Metrics: { Name: string; Unit: string }[];
      }[];
    };
  } & Record<string, unknown>;
  const directive = out._aws.CloudWatchMetrics[0]!;
  const units = Object.fromEntries(directive.Metrics.map((m) => [m.Name, m.Unit]));
  const values = Object.fromEntries(directive.Metrics.map((m) => [m.Name, out[m.Name]]));
  return { namespace: directive.Namespace, dimensions: directive.Dimensions[0], units, values, out };
}

describe('the metrics of one run', () => {
  it('writes what a COMPLETED night exported (processed minus failed) and cost, per target, never a job id or execution', () => {
    const doc = emf(summary(), 'target');

    expect(doc.namespace).toBe('ExportOrchestrator');
    expect([...(doc.dimensions ?? [])].sort()).toEqual([...RUN_DIMENSIONS.target].sort());
    expect(doc.out).toMatchObject({
      service: 'scheduled-exports',
      Stage: 'prod',
      Source: 'pinpoint',
      Target: 'nightly-all-endpoints',
    });
    expect(doc.values).toEqual({
      Runs: 1,
      StatusChecks: 9,
      RecordsExported: 48_207,
      Failures: 3,
      JobDurationSeconds: 872,
      SummaryDelaySeconds: 30,
      RecordsDrop: 0,
    });
    expect(doc.units).toMatchObject({
      RecordsExported: 'Count',
      JobDurationSeconds: 'Seconds',
      SummaryDelaySeconds: 'Seconds',
      StatusChecks: 'Count',
    });
    expect(JSON.stringify(doc.out)).not.toContain('9a8b7c6d5e4f30211f2e3d4c5b6a7980');
    expect(JSON.stringify(doc.out)).not.toContain('exec-1');
  });

  it("names the run's export source in the Source dimension (a summary without one is Pinpoint's)", () => {
    expect(emf({ ...summary(), source: 'dynamodb' }, 'target').out.Source).toBe('dynamodb');
    expect(emf({ ...summary(), source: 'customer-profiles' }, 'outcome').out.Source).toBe(
      'customer-profiles',
    );
    expect(emf({ ...summary(), source: undefined }, 'target').out.Source).toBe('pinpoint');
  });

  it('counts the run under its outcome', () => {
    for (const status of OUTCOMES) {
      const doc = emf(summary({ status }), 'outcome');

      expect([...(doc.dimensions ?? [])].sort()).toEqual([...RUN_DIMENSIONS.outcome].sort());
      expect(doc.out.Outcome).toBe(status);
      expect(doc.values).toEqual({ Runs: 1 });
    }
  });

  it('reports no records exported for a FAILED night, and its failures and duration', () => {
    const doc = emf(
      summary({ status: 'FAILED', jobStatus: 'FAILED', TotalProcessed: 100, TotalFailures: 2_431 }),
      'target',
    );

    expect(doc.values.RecordsExported).toBeUndefined();
    expect(doc.values).toMatchObject({ Failures: 2_431, JobDurationSeconds: 872, Runs: 1 });
    expect(doc.values.RecordsDrop).toBeUndefined();
  });

  it('leaves out what an ERROR before any job cannot know', () => {
    const doc = emf(
      summary({
        status: 'ERROR',
        jobStatus: null,
        target: null,
        TotalProcessed: null,
        TotalFailures: null,
        durationSeconds: null,
        completionDate: null,
        statusChecks: 0,
      }),
      'target',
    );

    expect(doc.out.Target).toBe('unknown');
    expect(doc.values).toEqual({ Runs: 1, StatusChecks: 0 });
  });

  it('counts what a job that completed exported whatever the outcome, and nothing for a job that did not complete', () => {
    for (const status of ['MISMATCH', 'UNVERIFIED', 'TOO_MANY_FAILURES'] as const) {
      expect(emf(summary({ status, exported: 0 }), 'target').values.RecordsExported, status).toBe(0);
    }
    for (const status of ['FAILED', 'TIMED_OUT', 'ERROR'] as const) {
      expect(emf(summary({ status }), 'target').values.RecordsExported, status).toBeUndefined();
    }
  });

  it('flags a records drop and a verification mismatch as 1', () => {
    const doc = emf(
      summary({
        recordsDrop: true,
        verification: {
          verdict: 'MISMATCH',
          files: 8,
          bytes: 1,
          records: 40_000,
          expected: 48_207,
          manifestUri: null,
          note: '',
        },
      }),
      'target',
    );

    expect(doc.values).toMatchObject({ RecordsDrop: 1, VerificationMismatch: 1 });
  });
});
