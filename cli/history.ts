import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DEFAULT_LEDGER_TABLE, ledgerFileOf, startLocalLedgerServer } from '../dev/local/index.ts';
import { exportedOf, type LedgerItem, RunLedger } from '../functions/shared/run-ledger.ts';
import type { CommonOptions } from './args.ts';
import { formatDateTime, formatDuration, formatNumber } from './format.ts';
import { stackOutput } from './state-machine.ts';

/*
 * `npm run export -- history`: the run ledger read back. One row per run
 * (target × scheduled time), newest first: outcome, records exported, failures, how
 * the records compared with the target's previous good run (as publish-summary
 * decided and recorded it, whatever rows are fetched), and how long it took.
 * On AWS the ledger is the stack's DynamoDB table; `--local` reads the ledger
 * that local runs keep in their data folder.
 */

/** The stack output naming the ledger table (deploy/resources.ts). */
export const LEDGER_OUTPUT = 'RunLedgerTableName';

export interface HistoryRow {
  target: string;
  scheduledTime: string;
  /** The run's outcome (core/outcome.ts); RUNNING while none is recorded. */
  outcome: string;
  /** Records exported: processed minus failed. */
  records: number | null;
  failures: number | null;
  /** Percent against the target's previous good run, as recorded with the outcome; null without one. */
  changePercent: number | null;
  durationSeconds: number | null;
  jobId: string | null;
  execution: string;
  headline: string | null;
  /** The verification's verdict, for a run whose files were checked. */
  verdict: string | null;
}

/** Rows from ledger items (newest first), each with the change its run recorded. */
export function historyRowsOf(items: readonly LedgerItem[]): HistoryRow[] {
  return items.map(
    (item): HistoryRow => ({
      target: item.targetName,
      scheduledTime: item.scheduledTime,
      outcome: item.outcome?.status ?? 'RUNNING',
      records: exportedOf(item.outcome),
      failures: item.outcome?.totalFailures ?? null,
      changePercent: item.outcome?.changePercent ?? null,
      durationSeconds: item.outcome?.durationSeconds ?? null,
      jobId: item.jobId ?? item.outcome?.jobId ?? null,
      execution: item.claimedBy,
      headline: item.outcome?.headline ?? null,
      verdict: item.outcome?.verdict ?? null,
    }),
  );
}

const BARS = '▁▂▃▄▅▆▇█';

/** One character per run, oldest first: the records' trend between their min and max. */
export function sparkline(values: readonly (number | null)[]): string {
  const known = values.filter((v): v is number => v !== null);
  if (known.length === 0) return '';
  const min = Math.min(...known);
  const max = Math.max(...known);
  return values
    .map((v) => {
      if (v === null) return ' ';
      const step = max === min ? BARS.length - 1 : Math.round(((v - min) / (max - min)) * (BARS.length - 1));
      return BARS[step];
    })
    .join('');
}

function formatChange(change: number | null): string {
  if (change === null) return '';
  return `${change > 0 ? '+' : change < 0 ? '-' : ''}${Math.abs(change).toFixed(1)} %`;
}

/** The text `history` prints; `target` set when the rows are one target's. */
export function formatHistory(rows: readonly HistoryRow[], target?: string): string {
  if (rows.length === 0) {
    return target
      ? `No runs of target ${target} in the run ledger (target names are the stage's target names, or the Target of a manual run).`
      : 'No runs in the run ledger yet.';
  }
  const header = [
    ...(target ? [] : ['TARGET']),
    'SCHEDULED',
    'OUTCOME',
    'RECORDS',
    'CHANGE',
    'FAILURES',
    'DURATION',
    'VERIFIED',
    'EXECUTION',
  ];
  const table = [
    header,
    ...rows.map((r) => [
      ...(target ? [] : [r.target]),
      formatDateTime(r.scheduledTime),
      r.outcome,
      r.records === null ? '–' : formatNumber(r.records),
      formatChange(r.changePercent),
      r.failures === null ? '–' : formatNumber(r.failures),
      formatDuration(r.durationSeconds),
      r.verdict ?? '',
      r.execution,
    ]),
  ];
  const widths = header.map((_, c) => Math.max(...table.map((cells) => cells[c]!.length)));
  const numeric = new Set(['RECORDS', 'CHANGE', 'FAILURES']);
  const lines = table.map((cells) =>
    cells
      .map((cell, c) => (numeric.has(header[c]!) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd(),
  );
  if (target) {
    const completed = rows.filter((r) => r.outcome === 'COMPLETED' && r.records !== null);
    const oldestFirst = [...rows].reverse().map((r) => (r.outcome === 'COMPLETED' ? r.records : null));
    if (completed.length > 0) {
      const min = completed.reduce((a, b) => ((b.records ?? 0) < (a.records ?? 0) ? b : a));
      const max = completed.reduce((a, b) => ((b.records ?? 0) > (a.records ?? 0) ? b : a));
      lines.unshift(
        `target ${target}: ${rows.length} runs, ${completed.length} COMPLETED; records (oldest to newest) ${sparkline(oldestFirst)}  min ${formatNumber(min.records)} (${min.scheduledTime.slice(0, 10)}), max ${formatNumber(max.records)} (${max.scheduledTime.slice(0, 10)})`,
        '',
      );
    } else {
      lines.unshift(`target ${target}: ${rows.length} runs, none COMPLETED`, '');
    }
  }
  return lines.join('\n');
}

/** Which ledger to read: the stage's table on AWS, or a local data folder's. */
export type LedgerSource =
  | { kind: 'aws'; common: CommonOptions; tableName?: string | undefined }
  | { kind: 'local'; dataDir: string };

export interface OpenLedger {
  ledger: RunLedger;
  /** What was read, for the JSON document and the text's first line. */
  where: string;
  close(): Promise<void>;
}

/** Opens the ledger a `history` command reads. */
export async function openLedger(
  source: LedgerSource,
  deps: {
    dynamodb: (region: string | undefined, endpoint?: string) => DynamoDBClient;
    cloudFormation: (region: string | undefined) => CloudFormationClient;
  },
): Promise<OpenLedger> {
  if (source.kind === 'local') {
    const file = ledgerFileOf(source.dataDir);
    const server = await startLocalLedgerServer(DEFAULT_LEDGER_TABLE, file);
    const client = deps.dynamodb('us-east-1', server.endpoint);
    return {
      ledger: new RunLedger(client, { tableName: DEFAULT_LEDGER_TABLE }),
      where: file,
      close: async () => {
        client.destroy();
        await server.close();
      },
    };
  }
  const tableName =
    source.tableName ??
    (await stackOutput(
      source.common,
      deps.cloudFormation,
      LEDGER_OUTPUT,
      '--ledger-table',
      'deployed before the run ledger existed? redeploy it',
    ));
  const client = deps.dynamodb(source.common.region);
  return {
    ledger: new RunLedger(client, { tableName }),
    where: `DynamoDB table ${tableName}`,
    close: async () => undefined,
  };
}
