import { buildSummary as buildCoreSummary, type FinalJob, type RunHistory } from '../../core/summary.ts';
import type { ExportSummary, PublishSummaryEvent } from '../../core/types.ts';
import { summarySourceOf } from '../../sources/registry.ts';

/** core/summary.ts's buildSummary with the registered sources, as publish-summary calls it. */
export function buildSummary(
  event: PublishSummaryEvent,
  stage: string,
  finalJob: FinalJob | undefined,
  history: RunHistory = {},
): ExportSummary {
  return buildCoreSummary(event, stage, finalJob, history, summarySourceOf);
}
