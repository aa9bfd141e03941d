import { describe, expect, it } from 'vitest';
import { FUNCTION_KEYS } from '../../core/functions.ts';
import { OUTCOMES } from '../../core/outcome.ts';
import { type DashboardInput, dashboardBody, metricAlarms } from '../../deploy/dashboard.ts';
import { namesOf, SERVICE } from '../../deploy/names.ts';
import { RUN_DIMENSIONS, RUN_METRICS } from '../../functions/publish-summary/metrics.ts';

/*
 * The dashboard body and the metric alarms, from a stage's targets: valid JSON,
 * one row per target, and every metric one that exists — the per-run metrics
 * publish-summary writes (names and dimension sets), or AWS/States, AWS/Lambda
 * and AWS/SQS metrics of this stack's own resources.
 */

const INPUT: DashboardInput = {
  stage: 'prod',
  namespace: 'ExportOrchestrator',
  targets: ['nightly-all-endpoints', 'weekly-vip-segment'],
  stateMachineId: 'ExportWorkflowStateMachine',
  queueIds: ['SchedulerDeadLetterQueue', 'SubscriptionDeadLetterQueue'],
};

interface Widget {
  type: string;
  y: number;
  properties: { title?: string; metrics?: string[][]; markdown?: string };
}

function widgetsOf(input: DashboardInput): { widgets: Widget[]; variables: Record<string, unknown> } {
  const { template, variables } = dashboardBody(input);
  // What Fn::Sub leaves of the placeholders: region and resource names.
  const placeholders = [...template.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]);
  for (const name of placeholders) expect(['AWS::Region', ...Object.keys(variables)]).toContain(name);
  const substituted = template.replace(/\$\{([^}]+)\}/g, (_, name: string) => `<${name}>`);
  return { widgets: (JSON.parse(substituted) as { widgets: Widget[] }).widgets, variables };
}

describe('the stage dashboard', () => {
  it('is valid JSON with one row of three graphs per target, then the stack-wide graphs', () => {
    const { widgets } = widgetsOf(INPUT);

    const titles = widgets.map((w) => w.properties.title ?? '(text)');
    expect(titles).toEqual([
      '(text)',
      'nightly-all-endpoints: records exported per night',
      'nightly-all-endpoints: job duration (s)',
      'nightly-all-endpoints: status checks and failures',
      'weekly-vip-segment: records exported per night',
      'weekly-vip-segment: job duration (s)',
      'weekly-vip-segment: status checks and failures',
      'Executions (AWS/States)',
      'Runs by outcome',
      'Function errors and throttles (AWS/Lambda)',
      'Dead-letter queues (AWS/SQS)',
    ]);
    expect(widgets[0]?.properties.markdown).toContain('docs/FAILURE-HANDLING.md');
  });

  it('graphs only metrics that exist: the per-run metrics as written, and this stack’s AWS metrics', () => {
    const { widgets, variables } = widgetsOf(INPUT);
    const functions = FUNCTION_KEYS.map((k) => namesOf('prod').functionName(k));

    const metrics = widgets.flatMap((w) => w.properties.metrics ?? []);
    expect(metrics.length).toBeGreaterThan(10);
    for (const [namespace, name, ...pairs] of metrics) {
      const dims = Object.fromEntries(
        pairs.flatMap((_, i) => (i % 2 === 0 ? [[pairs[i], pairs[i + 1]]] : [])),
      );
      if (namespace === 'ExportOrchestrator') {
        expect(Object.keys(RUN_METRICS)).toContain(name);
        const set = 'Target' in dims ? RUN_DIMENSIONS.target : RUN_DIMENSIONS.outcome;
        expect(Object.keys(dims)).toEqual([...set]);
        expect(dims).toMatchObject({ service: SERVICE, Stage: 'prod', Source: 'pinpoint' });
      } else if (namespace === 'AWS/States') {
        expect(dims).toEqual({ StateMachineArn: '<StateMachineArn>' });
        expect(variables.StateMachineArn).toEqual({ Ref: 'ExportWorkflowStateMachine' });
      } else if (namespace === 'AWS/Lambda') {
        expect(['Errors', 'Throttles']).toContain(name);
        expect(functions).toContain(dims.FunctionName);
      } else if (namespace === 'AWS/SQS') {
        const id = /^<(.+)>$/.exec(String(dims.QueueName))?.[1] ?? '';
        expect(variables[id]).toEqual({ 'Fn::GetAtt': [id, 'QueueName'] });
      } else {
        throw new Error(`unexpected namespace ${namespace}`);
      }
    }
  });

  it('links the stage runbook when one is configured', () => {
    const { widgets } = widgetsOf({ ...INPUT, runbookUrl: 'https://wiki.example.com/exports' });

    expect(widgets[0]?.properties.markdown).toContain('[the runbook](https://wiki.example.com/exports)');
  });
});

describe('the alarms on the per-run metrics', () => {
  it('alarms per target on a records drop, a verification mismatch and an unusual duration', () => {
    const alarms = metricAlarms(INPUT, [{ Ref: 'AlarmTopic' }], true);

    expect(Object.keys(alarms)).toEqual([
      'Target1RecordsDropAlarm',
      'Target1VerificationMismatchAlarm',
      'Target1DurationAlarm',
      'Target2RecordsDropAlarm',
      'Target2VerificationMismatchAlarm',
      'Target2DurationAlarm',
    ]);
    const drop = alarms.Target1RecordsDropAlarm.Properties;
    expect(drop).toMatchObject({
      Namespace: 'ExportOrchestrator',
      MetricName: 'RecordsDrop',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: 'AlarmTopic' }],
    });
    expect(drop.Dimensions.map((d: { Name: string }) => d.Name)).toEqual([...RUN_DIMENSIONS.target]);
    const duration = alarms.Target2DurationAlarm.Properties;
    expect(duration.ComparisonOperator).toBe('GreaterThanUpperThreshold');
    expect(duration.Metrics[1]).toEqual({
      Id: 'band',
      Expression: 'ANOMALY_DETECTION_BAND(duration, 2)',
      ReturnData: true,
    });
    expect(duration.Metrics[0].MetricStat.Metric.Dimensions.at(-1)).toEqual({
      Name: 'Target',
      Value: 'weekly-vip-segment',
    });
  });

  it("graphs and alarms each target under its own source's Source dimension, and outcomes per source", () => {
    const input: DashboardInput = {
      ...INPUT,
      targets: ['nightly-all-endpoints', 'nightly-orders'],
      sources: { 'nightly-orders': 'dynamodb' },
    };
    const alarms = metricAlarms(input, [], true);
    const sourceOf = (id: string) =>
      alarms[id].Properties.Dimensions.find((d: { Name: string }) => d.Name === 'Source').Value;
    expect(sourceOf('Target1RecordsDropAlarm')).toBe('pinpoint');
    expect(sourceOf('Target2RecordsDropAlarm')).toBe('dynamodb');
    const { widgets } = widgetsOf(input);
    const metrics = widgets.flatMap((w) => w.properties.metrics ?? []);
    const ordersLines = metrics.filter((m) => m.includes('nightly-orders'));
    expect(ordersLines.length).toBeGreaterThan(0);
    for (const line of ordersLines) expect(line[line.indexOf('Source') + 1]).toBe('dynamodb');
    const outcomes = metrics.filter((m) => m.includes('Outcome'));
    expect(new Set(outcomes.map((m) => m[m.indexOf('Source') + 1]))).toEqual(
      new Set(['pinpoint', 'dynamodb']),
    );
    // Every outcome of core/outcome.ts, per source.
    expect(outcomes).toHaveLength(2 * OUTCOMES.length);
    expect(new Set(outcomes.map((m) => m[m.indexOf('Outcome') + 1]))).toEqual(new Set(OUTCOMES));
  });

  it('leaves the records-drop alarm out when the stage sets no drop threshold', () => {
    const alarms = metricAlarms(INPUT, [], false);

    expect(Object.keys(alarms).some((id) => id.includes('RecordsDrop'))).toBe(false);
  });
});

describe('the dashboard picture', () => {
  it('draws every widget of the deployed body, titled, at its grid position', async () => {
    const { renderDashboardSvg } = await import('../../deploy/render-dashboard.ts');
    const { widgets } = widgetsOf(INPUT);

    const svg = renderDashboardSvg(widgets as never, 'layout');

    expect(svg.match(/<rect x=/g)).toHaveLength(widgets.length);
    expect(svg).toContain('weekly-vip-segment: job duration (s)');
    expect(svg).toContain('Errors (scheduled-exports-prod-create-export-job)');
  });
});
