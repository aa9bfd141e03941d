import { FUNCTION_KEYS } from '../core/functions.ts';
import { RUN_DIMENSIONS } from '../core/metric-dimensions.ts';
import { OUTCOMES } from '../core/outcome.ts';
import { namesOf, SERVICE } from './names.ts';

/*
 * The stage's CloudWatch dashboard and the alarms on the per-run metrics
 * (functions/publish-summary/metrics.ts), built from the same stage config as the
 * targets: one row per target. Loaded through Node's type stripping with the
 * rest of the stack: erasable TypeScript only.
 */

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation values are free-form JSON with intrinsics.
type Cfn = any;

/** What the dashboard and the alarms need to know of the stage. */
export interface DashboardInput {
  stage: string;
  /** The metrics' CloudWatch namespace (METRICS_NAMESPACE). */
  namespace: string;
  /** The targets' names, in config order: one row each. */
  targets: string[];
  /** Each target's export source (the metrics' Source dimension); a target not named here is `pinpoint`. */
  sources?: Record<string, string>;
  /** Logical ids of the state machine and the dead-letter queues in the template. */
  stateMachineId: string;
  queueIds: string[];
  /** Where the text widget's "runbook" points. */
  runbookUrl?: string | undefined;
}

export const DASHBOARD_ID = 'ExportDashboard';

const DAY = 86_400;
/** An Fn::Sub placeholder in the dashboard body. */
const sub = (name: string) => `\${${name}}`;
/** A target's export source: the Source dimension publish-summary gives its metrics. */
const sourceOf = (input: DashboardInput, target: string): string => input.sources?.[target] ?? 'pinpoint';

/** The sources of the stage's targets, in config order (at least pinpoint). */
function sourcesOf(input: DashboardInput): string[] {
  const sources = [...new Set(input.targets.map((t) => sourceOf(input, t)))];
  return sources.length > 0 ? sources : ['pinpoint'];
}

/** A metric of one target, in the widget metrics array form: namespace, name, dimension pairs. */
function targetMetric(input: DashboardInput, name: string, target: string): string[] {
  const values: Record<(typeof RUN_DIMENSIONS.target)[number], string> = {
    service: SERVICE,
    Stage: input.stage,
    Source: sourceOf(input, target),
    Target: target,
  };
  return [input.namespace, name, ...RUN_DIMENSIONS.target.flatMap((d) => [d, values[d]])];
}

function outcomeMetric(
  input: DashboardInput,
  outcome: string,
  source: string,
): (string | { label: string })[] {
  const values: Record<(typeof RUN_DIMENSIONS.outcome)[number], string> = {
    service: SERVICE,
    Stage: input.stage,
    Source: source,
    Outcome: outcome,
  };
  const metric = [input.namespace, 'Runs', ...RUN_DIMENSIONS.outcome.flatMap((d) => [d, values[d]])];
  // With one source the outcome names the line as before; with several, each line says whose it is.
  return sourcesOf(input).length > 1 ? [...metric, { label: `${outcome} (${source})` }] : metric;
}

/** A dashboard widget as the body holds it (CloudWatch's 24-column grid). */
export interface Widget {
  type: 'metric' | 'text';
  x: number;
  y: number;
  width: number;
  height: number;
  properties: { title?: string; markdown?: string; metrics?: unknown[]; stat?: string } & Record<
    string,
    unknown
  >;
}

/**
 * The dashboard body as CloudFormation wants it: a JSON string, with `${…}`
 * placeholders for the region and the resources' names (an Fn::Sub).
 */
export function dashboardBody(input: DashboardInput): { template: string; variables: Record<string, Cfn> } {
  const widgets: Widget[] = [];
  const names = namesOf(input.stage);
  const metricWidget = (
    y: number,
    x: number,
    width: number,
    title: string,
    metrics: unknown[],
    extra: Record<string, unknown> = {},
  ) =>
    widgets.push({
      type: 'metric',
      x,
      y,
      width,
      height: 6,
      properties: { title, region: sub('AWS::Region'), view: 'timeSeries', metrics, ...extra },
    });

  widgets.push({
    type: 'text',
    x: 0,
    y: 0,
    width: 24,
    height: 4,
    properties: {
      markdown: [
        `## Exports of stage ${input.stage}`,
        'Per target: **records exported** per night (a drop is a night that exported less than usual) and **job duration** (the export job, creation to completion); **status checks** per run is what the adaptive poller cost.',
        "Below: executions by outcome (**AWS/States**), runs by summary outcome, the functions' **errors and throttles**, and the **dead-letter queues** (runs Scheduler could not start, notifications SNS could not deliver).",
        `What to do for each failure: ${input.runbookUrl ? `[the runbook](${input.runbookUrl})` : 'the runbook, docs/FAILURE-HANDLING.md in the repository'}.`,
      ].join('\n\n'),
    },
  });

  let y = 4;
  for (const target of input.targets) {
    metricWidget(
      y,
      0,
      8,
      `${target}: records exported per night`,
      [targetMetric(input, 'RecordsExported', target)],
      {
        stat: 'Sum',
        period: DAY,
      },
    );
    metricWidget(
      y,
      8,
      8,
      `${target}: job duration (s)`,
      [targetMetric(input, 'JobDurationSeconds', target)],
      {
        stat: 'Maximum',
        period: DAY,
      },
    );
    metricWidget(
      y,
      16,
      8,
      `${target}: status checks and failures`,
      [targetMetric(input, 'StatusChecks', target), targetMetric(input, 'Failures', target)],
      { stat: 'Sum', period: DAY },
    );
    y += 6;
  }

  metricWidget(
    y,
    0,
    12,
    'Executions (AWS/States)',
    ['ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted'].map((m) => [
      'AWS/States',
      m,
      'StateMachineArn',
      sub('StateMachineArn'),
    ]),
    { stat: 'Sum', period: DAY },
  );
  metricWidget(
    y,
    12,
    12,
    'Runs by outcome',
    sourcesOf(input).flatMap((source) => OUTCOMES.map((o) => outcomeMetric(input, o, source))),
    { stat: 'Sum', period: DAY },
  );
  y += 6;
  const functionNames = FUNCTION_KEYS.map((key) => names.functionName(key));
  metricWidget(
    y,
    0,
    12,
    'Function errors and throttles (AWS/Lambda)',
    functionNames.flatMap((fn) => [
      ['AWS/Lambda', 'Errors', 'FunctionName', fn],
      ['AWS/Lambda', 'Throttles', 'FunctionName', fn],
    ]),
    { stat: 'Sum', period: 3600 },
  );
  metricWidget(
    y,
    12,
    12,
    'Dead-letter queues (AWS/SQS)',
    input.queueIds.map((id) => ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', sub(id)]),
    { stat: 'Maximum', period: 300 },
  );

  const variables: Record<string, Cfn> = { StateMachineArn: { Ref: input.stateMachineId } };
  for (const id of input.queueIds) variables[id] = { 'Fn::GetAtt': [id, 'QueueName'] };
  return { template: JSON.stringify({ widgets }), variables };
}

/** The AWS::CloudWatch::Dashboard, named like the stack. */
export function dashboardResource(input: DashboardInput): Record<string, Cfn> {
  const { template, variables } = dashboardBody(input);
  return {
    [DASHBOARD_ID]: {
      Type: 'AWS::CloudWatch::Dashboard',
      Properties: {
        DashboardName: namesOf(input.stage).dashboard,
        DashboardBody: { 'Fn::Sub': [template, variables] },
      },
    },
  };
}

/** The console address of the dashboard: a stack output. */
export function dashboardUrl(stage: string): Cfn {
  return {
    'Fn::Sub': `https://\${AWS::Region}.console.aws.amazon.com/cloudwatch/home?region=\${AWS::Region}#dashboards/dashboard/${namesOf(stage).dashboard}`,
  };
}

/**
 * Alarms on what matters, per target, to the given actions:
 *  - records drop: the RecordsDrop metric publish-summary writes from the run ledger's
 *    comparison with the target's previous COMPLETED night (the stage's threshold,
 *    in percent). Chosen over an anomaly band: the operator states the threshold,
 *    and it works from the second night, while one point a day takes weeks to train.
 *  - verification mismatch: the files in S3 did not hold what the source reported.
 *  - duration far above usual: a CloudWatch anomaly-detection band on the job's
 *    duration (2 standard deviations above): "usual" is learned, weekdays and
 *    weekends included, with no threshold to guess. It stays quiet until trained.
 */
export function metricAlarms(input: DashboardInput, actions: Cfn[], dropAlarm: boolean): Record<string, Cfn> {
  const resources: Record<string, Cfn> = {};
  input.targets.forEach((target, i) => {
    const dims = (values: string[]) =>
      RUN_DIMENSIONS.target.map((name, j) => ({ Name: name, Value: values[j] }));
    const dimensions = dims([SERVICE, input.stage, sourceOf(input, target), target]);
    const base = {
      Namespace: input.namespace,
      Dimensions: dimensions,
      Period: DAY,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      ActionsEnabled: true,
      AlarmActions: actions,
    };
    const id = `Target${i + 1}`;
    if (dropAlarm) {
      resources[`${id}RecordsDropAlarm`] = {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: {
          ...base,
          AlarmDescription: `${target} (${input.stage}): a night exported fewer records than the stage's ledger.recordsDropWarnPercent allows against the previous COMPLETED night`,
          MetricName: 'RecordsDrop',
          Statistic: 'Maximum',
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        },
      };
    }
    resources[`${id}VerificationMismatchAlarm`] = {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        ...base,
        AlarmDescription: `${target} (${input.stage}): the files in S3 did not hold the records the export job reported (verification MISMATCH)`,
        MetricName: 'VerificationMismatch',
        Statistic: 'Maximum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      },
    };
    resources[`${id}DurationAlarm`] = {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmDescription: `${target} (${input.stage}): the export job took far longer than usual (above the anomaly band of its duration)`,
        ActionsEnabled: true,
        AlarmActions: actions,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanUpperThreshold',
        ThresholdMetricId: 'band',
        TreatMissingData: 'notBreaching',
        Metrics: [
          {
            Id: 'duration',
            ReturnData: true,
            MetricStat: {
              Metric: {
                Namespace: input.namespace,
                MetricName: 'JobDurationSeconds',
                Dimensions: dimensions,
              },
              Period: DAY,
              Stat: 'Maximum',
            },
          },
          { Id: 'band', Expression: 'ANOMALY_DETECTION_BAND(duration, 2)', ReturnData: true },
        ],
      },
    };
  });
  return resources;
}
