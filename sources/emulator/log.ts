/**
 * The emulator's request log: one entry per request, kept in `emulator.state.requests`
 * (and `GET /_emulator/state`), printed one line each by `npm run emulator`.
 */

import type { FaultKind, ServiceName } from './faults.ts';

/** One line of the request log. */
export interface RequestLogEntry {
  /** ISO 8601 on the emulator's clock. */
  time: string;
  service: ServiceName | 'emulator' | 'unknown';
  /** API operation (`CreateExportJob`, `Publish`…), or `Unknown`. */
  operation: string;
  method: string;
  path: string;
  /** HTTP status; 0 when the connection was reset. */
  status: number;
  errorType?: string;
  applicationId?: string;
  /** Fault that shaped the answer, if any. */
  fault?: FaultKind;
  /** Wall-clock handling time. */
  durationMs: number;
}

/** One request-log line, as `npm run emulator` prints it. */
export function formatLogLine(entry: RequestLogEntry): string {
  const status = entry.status === 0 ? 'RESET' : String(entry.status);
  const extra = [entry.errorType, entry.fault ? `fault=${entry.fault}` : undefined].filter(Boolean).join(' ');
  return `${entry.time} ${entry.service} ${entry.operation} ${entry.method} ${entry.path} -> ${status}${extra ? ` ${extra}` : ''} (${entry.durationMs} ms)`;
}
