import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  describeWindows,
  EXPORT_LAG_MS,
  type ExportPlan,
  MAX_WINDOW_MS,
  MIN_WINDOW_MS,
  type PlanInput,
  planExport,
  splitWindow,
  type Window,
} from '../../sources/dynamodb/window.ts';

/*
 * Which DynamoDB export(s) a run starts (sources/dynamodb/window.ts). The limits come
 * from DynamoDB's developer guide ("Incremental export": a window of 15 minutes to 24
 * hours, inside the point-in-time-recovery window of at most 35 days).
 */

const HOUR = 3_600_000;
const MINUTE = 60_000;
const DAY = 24 * HOUR;

const SCHEDULED = '2026-11-28T02:00:00.000Z';
/** Where the run's export ends: 15 minutes before its scheduled time. */
const END = '2026-11-28T01:45:00.000Z';
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

/** A nightly incremental target, last exported up to 24 h before this run's end, with PITR on for 35 days. */
function plan(overrides: Partial<PlanInput> = {}): ExportPlan {
  return planExport({
    exportType: 'INCREMENTAL_EXPORT',
    scheduledTime: SCHEDULED,
    previousCoveredUntil: iso(at(END) - DAY),
    earliestRestorable: iso(at(END) - 35 * DAY),
    outsideRecoveryWindow: 'ERROR',
    ...overrides,
  });
}

function windowsOf(result: ExportPlan): Window[] {
  if (result.kind !== 'incremental') throw new Error(`expected incremental windows, got ${result.kind}`);
  return result.windows;
}

const lengthOf = (w: Window) => at(w.to) - at(w.from);

/** Consecutive (each starts where the previous ended), covering [from, to) exactly. */
function expectContiguous(windows: Window[], from: number, to: number): void {
  expect(windows.length).toBeGreaterThan(0);
  expect(at(windows[0]?.from ?? '')).toBe(from);
  expect(at(windows[windows.length - 1]?.to ?? '')).toBe(to);
  for (let i = 1; i < windows.length; i++) expect(windows[i]?.from).toBe(windows[i - 1]?.to);
}

describe('planExport for a full-export target', () => {
  it('exports the table as of 15 minutes before the scheduled time, with no reason to give', () => {
    const result = plan({ exportType: 'FULL_EXPORT' });

    expect(result).toEqual({ kind: 'full', exportTime: END });
  });

  it('ignores the previous coverage: a full export is never split into windows', () => {
    const result = plan({ exportType: 'FULL_EXPORT', previousCoveredUntil: iso(at(END) - 3 * DAY) });

    expect(result).toEqual({ kind: 'full', exportTime: END });
  });
});

describe('planExport for an incremental target', () => {
  it('starts with a full export on its first run, saying why', () => {
    const result = plan({ previousCoveredUntil: undefined });

    expect(result).toMatchObject({ kind: 'full', exportTime: END });
    expect(result.kind === 'full' ? result.reason : undefined).toMatch(/first run of an incremental target/);
  });

  it('exports one 24-hour window ending 15 minutes before the scheduled time on a normal night', () => {
    const windows = windowsOf(plan());

    expect(windows).toEqual([{ from: '2026-11-27T01:45:00.000Z', to: END }]);
  });

  it('catches up a missed night with two consecutive 24-hour windows, no gap and no overlap', () => {
    const from = at(END) - 2 * DAY;

    const windows = windowsOf(plan({ previousCoveredUntil: iso(from) }));

    expect(windows).toEqual([
      { from: '2026-11-26T01:45:00.000Z', to: '2026-11-27T01:45:00.000Z' },
      { from: '2026-11-27T01:45:00.000Z', to: END },
    ]);
    expectContiguous(windows, from, at(END));
  });

  it('splits a 3-day outage into three 24-hour exports', () => {
    const from = at(END) - 3 * DAY;

    const windows = windowsOf(plan({ previousCoveredUntil: iso(from) }));

    expect(windows).toHaveLength(3);
    expectContiguous(windows, from, at(END));
    for (const window of windows) expect(lengthOf(window)).toBe(DAY);
  });

  it('splits 24 h 10 min into two equal windows rather than 24 h and a 10-minute one DynamoDB refuses', () => {
    const from = at(END) - DAY - 10 * MINUTE;

    const windows = windowsOf(plan({ previousCoveredUntil: iso(from) }));

    expect(windows.map(lengthOf)).toEqual([12 * HOUR + 5 * MINUTE, 12 * HOUR + 5 * MINUTE]);
    expectContiguous(windows, from, at(END));
    for (const window of windows) expect(lengthOf(window)).toBeGreaterThanOrEqual(MIN_WINDOW_MS);
  });

  it('exports a window of exactly 15 minutes, the smallest DynamoDB allows', () => {
    const from = at(END) - 15 * MINUTE;

    expect(windowsOf(plan({ previousCoveredUntil: iso(from) }))).toEqual([{ from: iso(from), to: END }]);
  });

  it('skips a window shorter than 15 minutes, leaving it to the next run', () => {
    const result = plan({ previousCoveredUntil: iso(at(END) - 15 * MINUTE + 1) });

    expect(result.kind).toBe('skip');
    expect(result.kind === 'skip' ? result.reason : '').toMatch(/shorter than DynamoDB's 15-minute minimum/);
  });

  it('says in the skip reason how many minutes the window would have held', () => {
    const result = plan({ previousCoveredUntil: iso(at(END) - 10 * MINUTE) });

    expect(result.kind === 'skip' ? result.reason : '').toContain(
      `(${iso(at(END) - 10 * MINUTE)}, 10 min) is shorter`,
    );
  });

  it("skips when the previous export already reached the run's end (a re-run of the same night)", () => {
    expect(plan({ previousCoveredUntil: END }).kind).toBe('skip');
  });

  it('refuses a gap reaching past the recovery window by default, advising a full export', () => {
    const result = plan({
      previousCoveredUntil: iso(at(END) - 40 * DAY),
      outsideRecoveryWindow: 'ERROR',
    });

    expect(result.kind).toBe('refuse');
    if (result.kind !== 'refuse') return;
    expect(result.reason).toBe('incremental window outside recovery window');
    expect(result.advice).toContain('outsideRecoveryWindow: full-export');
    expect(result.advice).toContain('outsideRecoveryWindow: full-export');
  });

  it("falls back to a full export of the run's end for a gap past the recovery window when told to", () => {
    const previous = iso(at(END) - 40 * DAY);

    const result = plan({ previousCoveredUntil: previous, outsideRecoveryWindow: 'FULL_EXPORT' });

    expect(result).toMatchObject({ kind: 'full', exportTime: END });
    expect(result.kind === 'full' ? result.reason : '').toContain(previous);
    expect(result.kind === 'full' ? result.reason : '').toContain('outsideRecoveryWindow');
  });

  it('refuses an export time before the earliest restorable time, whatever the fallback', () => {
    for (const outsideRecoveryWindow of ['ERROR', 'FULL_EXPORT'] as const) {
      for (const exportType of ['FULL_EXPORT', 'INCREMENTAL_EXPORT'] as const) {
        const result = plan({
          exportType,
          outsideRecoveryWindow,
          earliestRestorable: iso(at(END) + MINUTE),
        });

        expect(result.kind, `${exportType} ${outsideRecoveryWindow}`).toBe('refuse');
        expect(result.kind === 'refuse' ? result.reason : '').toBe(
          'export time before earliest restorable time',
        );
      }
    }
  });

  it('exports a run whose export time is exactly the earliest restorable time (the first run the advice promises)', () => {
    // Scheduled at the "first run that can export": earliest restorable + 15 minutes.
    const earliestRestorable = iso(at(SCHEDULED) - 15 * MINUTE);

    const result = plan({ exportType: 'FULL_EXPORT', earliestRestorable });

    expect(result).toEqual({ kind: 'full', exportTime: earliestRestorable });
  });

  it('says when the first export is possible right after point-in-time recovery was switched on, never blaming a --scheduled-time the run did not have', () => {
    // PITR switched on 10 seconds before a run that names no scheduled time (it is the start time).
    const switchedOn = iso(at(SCHEDULED) - 10_000);

    const result = plan({
      exportType: 'FULL_EXPORT',
      previousCoveredUntil: undefined,
      earliestRestorable: switchedOn,
    });

    expect(result.kind).toBe('refuse');
    const advice = result.kind === 'refuse' ? result.advice : '';
    // The first run whose export time (15 minutes before it) is not before the earliest restorable time.
    expect(advice).toContain(`scheduled at or after ${iso(at(switchedOn) + 15 * MINUTE)}`);
    expect(advice).toContain(switchedOn);
    expect(advice).not.toContain('--scheduled-time');
  });

  it('ends every run 15 minutes before its scheduled time, so consecutive nights are exactly 24 h apart', () => {
    const tonight = windowsOf(plan({ previousCoveredUntil: iso(at(END) - DAY) }));
    const nextNight = windowsOf(
      plan({ scheduledTime: iso(at(SCHEDULED) + DAY), previousCoveredUntil: tonight[0]?.to }),
    );

    expect(tonight).toEqual([{ from: iso(at(END) - DAY), to: END }]);
    expect(nextNight).toEqual([{ from: END, to: iso(at(END) + DAY) }]);
  });
});

describe('splitWindow', () => {
  it('keeps a window of at most 24 hours whole', () => {
    expect(splitWindow(0, DAY)).toEqual([{ from: iso(0), to: iso(DAY) }]);
  });

  it('makes the fewest windows: 24 h and 1 ms is two', () => {
    expect(splitWindow(0, DAY + 1)).toHaveLength(2);
  });
});

describe('describeWindows', () => {
  it('says the span and how many exports it took', () => {
    const from = at(SCHEDULED) - 3 * DAY;

    expect(describeWindows(splitWindow(from, at(SCHEDULED)))).toBe(
      `${iso(from)} to ${SCHEDULED} (72 h in 3 exports of at most 24 h)`,
    );
  });

  it('gives a single window its length with one decimal when it is not whole hours', () => {
    const from = at(SCHEDULED) - 90 * MINUTE;

    expect(describeWindows(splitWindow(from, at(SCHEDULED)))).toBe(`${iso(from)} to ${SCHEDULED} (1.5 h)`);
  });

  it('says nothing of no windows', () => {
    expect(describeWindows([])).toBe('');
  });
});

describe('incremental windows, for any gap DynamoDB can export', () => {
  // Any time within a few years of now, to the millisecond; spans from 15 minutes to 35 days.
  const gaps = fc.record({
    from: fc.integer({ min: at('2024-01-01T00:00:00Z'), max: at('2030-01-01T00:00:00Z') }),
    span: fc.integer({ min: MIN_WINDOW_MS, max: 35 * DAY }),
  });

  it('are consecutive, cover exactly [from, to), and each lasts 15 minutes to 24 hours', () => {
    fc.assert(
      fc.property(gaps, ({ from, span }) => {
        const to = from + span;

        const windows = windowsOf(
          planExport({
            exportType: 'INCREMENTAL_EXPORT',
            scheduledTime: iso(to + EXPORT_LAG_MS),
            previousCoveredUntil: iso(from),
            earliestRestorable: iso(from),
            outsideRecoveryWindow: 'ERROR',
          }),
        );

        expectContiguous(windows, from, to);
        expect(windows).toHaveLength(Math.ceil(span / MAX_WINDOW_MS));
        for (const window of windows) {
          expect(lengthOf(window)).toBeLessThanOrEqual(MAX_WINDOW_MS);
          expect(lengthOf(window)).toBeGreaterThanOrEqual(MIN_WINDOW_MS);
        }
      }),
      { numRuns: 500 },
    );
  });
});
