import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  attributesOf,
  attributeTableMarkdown,
  COMMON_ATTRIBUTES,
  SNS_MAX_RAW_SQS_ATTRIBUTES,
  SUMMARY_ATTRIBUTE,
} from '../../core/sns-message.ts';
import type { ExportSummary } from '../../core/types.ts';
import { registeredSource, registeredSourceIds } from '../../sources/registry.ts';

/*
 * The SNS attributes are one list: every message's (COMMON_ATTRIBUTES) and each source's own
 * (its description's `attributes`, the ones its summaryFacts give). attributesOf sends exactly
 * those, and docs/OPERATE.md shows them as attributeTableMarkdown, so the page cannot list an
 * attribute no message carries, or leave one out.
 */

const descriptions = registeredSourceIds().map((id) => registeredSource(id)!.describe);

/** A summary as publish-summary gives it for a run of `id`, with the source's own attributes. */
function summaryOf(id: string): ExportSummary {
  const source = registeredSource(id)!.describe;
  return {
    status: 'COMPLETED',
    stage: 'prod',
    source: id,
    execution: { id: 'arn:x', name: 'x', startTime: '2026-11-28T02:00:00Z', trigger: 'schedule' },
    TotalFailures: 0,
    recordsDrop: false,
    verification: null,
    sourceAttributes: source.summaryFacts?.(undefined, undefined).attributes ?? {},
  } as unknown as ExportSummary;
}

describe('the SNS attributes', () => {
  it.each(registeredSourceIds())(
    "are every message's, then the %s source's own as its description lists them",
    (id) => {
      const sent = Object.keys(attributesOf(summaryOf(id)));
      const own = Object.keys(registeredSource(id)?.describe.attributes ?? {});

      expect(sent).toEqual([...Object.keys(COMMON_ATTRIBUTES), ...own]);
      // With the summary attribute, within what SNS passes on to SQS with raw delivery.
      expect(sent.length + 1).toBeLessThanOrEqual(SNS_MAX_RAW_SQS_ATTRIBUTES);
    },
  );

  it('are the table docs/OPERATE.md shows, header included', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'OPERATE.md'), 'utf8');
    const table = /\n(\| attribute \|[^\n]*\n(?:\|[^\n]*\n)*)/.exec(doc)?.[1]?.trimEnd();

    expect(table).toBe(attributeTableMarkdown(descriptions));
    expect(table).toContain(`| \`${SUMMARY_ATTRIBUTE}\` |`);
    expect(table).toContain('| `applicationId` | `pinpoint` runs |');
  });
});
