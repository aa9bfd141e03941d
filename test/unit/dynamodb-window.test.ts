import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  describeWindows,
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
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

/** A nightly incremental target, last exported 24 h ago, with PITR on for 35 days. */
function plan(overrides: Partial<PlanInput> = {}): ExportPlan {
  return planExport({
    exportType: 'INCREMENTAL_EXPORT',
    scheduledTime: SCHEDULED,
    previousCoveredUntil: iso(at(SCHEDULED) - DAY),
    earliestRestorable: iso(at(SCHEDULED) - 35 * DAY),
    latestRestorable: iso(at(SCHEDULED) + 9_000),
    // A run first claimed a day later (a past night re-run): its end is not left open.
    runStartedAt: iso(at(SCHEDULED) + DAY),
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
  it('exports the table as of the scheduled time, with no reason to give', () => {
    const result = plan({ exportType: 'FULL_EXPORT' });

    expect(result).toEqual({ kind: 'full', exportTime: SCHEDULED });
  });

  it('ignores the previous coverage: a full export is never split into windows', () => {
    const result = plan({ exportType: 'FULL_EXPORT', previousCoveredUntil: iso(at(SCHEDULED) - 3 * DAY) });

    expect(result).toEqual({ kind: 'full', exportTime: SCHEDULED });
  });
});

describe('planExport for an incremental target', () => {
  it('starts with a full export on its first run, saying why', () => {
    const result = plan({ previousCoveredUntil: undefined });

    expect(result).toMatchObject({ kind: 'full', exportTime: SCHEDULED });
    expect(result.kind === 'full' ? result.reason : undefined).toMatch(/first run of an incremental target/);
  });

  it('exports one 24-hour window ending at the scheduled time on a normal night', () => {
    const windows = windowsOf(plan());

    expect(windows).toEqual([{ from: '2026-11-27T02:00:00.000Z', to: SCHEDULED }]);
  });

  it('catches up a missed night with two consecutive 24-hour windows, no gap and no overlap', () => {
    const from = at(SCHEDULED) - 2 * DAY;

    const windows = windowsOf(plan({ previousCoveredUntil: iso(from) }));

    expect(windows).toEqual([
      { from: '2026-11-26T02:00:00.000Z', to: '2026-11-27T02:00:00.000Z' },
      { from: '2026-11-27T02:00:00.000Z', to: SCHEDULED },
    ]);
    expectContiguous(windows, from, at(SCHEDULED));
  });

  it('splits a 3-day outage into three 24-hour exports', () => {
    const from = at(SCHEDULED) - 3 * DAY;

    const windows = windowsOf(plan({ previousCoveredUntil: iso(from) }));

    expect(windows).toHaveLength(3);
    expectContiguous(windows, from, at(SCHEDULED));
    for (const window of windows) expect(lengthOf(window)).toBe(DAY);
  });

  it('splits 24 h 10 min into two equal windows rather than 24 h and a 10-minute one DynamoDB refuses', () => {
    const from = at(SCHEDULED) - DAY - 10 * MINUTE;

    const windows = windowsOf(plan({ previousCoveredUntil: iso(from) }));

    expect(windows.map(lengthOf)).toEqual([12 * HOUR + 5 * MINUTE, 12 * HOUR + 5 * MINUTE]);
    expectContiguous(windows, from, at(SCHEDULED));
    for (const window of windows) expect(lengthOf(window)).toBeGreaterThanOrEqual(MIN_WINDOW_MS);
  });

  it('exports a window of exactly 15 minutes, the smallest DynamoDB allows', () => {
    const from = at(SCHEDULED) - 15 * MINUTE;

    expect(windowsOf(plan({ previousCoveredUntil: iso(from) }))).toEqual([
      { from: iso(from), to: SCHEDULED },
    ]);
  });

  it('skips a window shorter than 15 minutes, leaving it to the next run', () => {
    const result = plan({ previousCoveredUntil: iso(at(SCHEDULED) - 15 * MINUTE + 1) });

    expect(result.kind).toBe('skip');
    expect(result.kind === 'skip' ? result.reason : '').toMatch(/shorter than DynamoDB's 15-minute minimum/);
  });

  it('skips when the previous export already reached the scheduled time (a re-run of the same night)', () => {
    expect(plan({ previousCoveredUntil: SCHEDULED }).kind).toBe('skip');
  });

  it('refuses a gap reaching past the recovery window by default, advising a full export', () => {
    const result = plan({
      previousCoveredUntil: iso(at(SCHEDULED) - 40 * DAY),
      outsideRecoveryWindow: 'ERROR',
    });

    expect(result.kind).toBe('refuse');
    if (result.kind !== 'refuse') return;
    expect(result.reason).toBe('incremental window outside recovery window');
    expect(result.advice).toContain('outsideRecoveryWindow: full-export');
    expect(result.advice).toContain('outsideRecoveryWindow: full-export');
  });

  it('falls back to a full export of the scheduled time for a gap past the recovery window when told to', () => {
    const previous = iso(at(SCHEDULED) - 40 * DAY);

    const result = plan({ previousCoveredUntil: previous, outsideRecoveryWindow: 'FULL_EXPORT' });

    expect(result).toMatchObject({ kind: 'full', exportTime: SCHEDULED });
    expect(result.kind === 'full' ? result.reason : '').toContain(previous);
    expect(result.kind === 'full' ? result.reason : '').toContain('outsideRecoveryWindow');
  });

  it('refuses a scheduled time before the earliest restorable time, whatever the fallback', () => {
    for (const outsideRecoveryWindow of ['ERROR', 'FULL_EXPORT'] as const) {
      for (const exportType of ['FULL_EXPORT', 'INCREMENTAL_EXPORT'] as const) {
        const result = plan({
          exportType,
          outsideRecoveryWindow,
          earliestRestorable: iso(at(SCHEDULED) + MINUTE),
          latestRestorable: iso(at(SCHEDULED) + 2 * DAY),
        });

        expect(result.kind, `${exportType} ${outsideRecoveryWindow}`).toBe('refuse');
        expect(result.kind === 'refuse' ? result.reason : '').toBe('scheduled time outside recovery window');
        expect(result.kind === 'refuse' ? result.advice : '').toContain('--scheduled-time');
      }
    }
  });

  /*
   * LatestRestorableDateTime "is typically 5 minutes before the current time" (botocore's
   * dynamodb model), so a run right after its scheduled time finds PITR short of it. Every
   * time the plan sends is still derived from the scheduled time (the ClientToken is derived
   * from them, and a retry, later, must send the same); the export's end is left open.
   */
  describe('when point-in-time recovery has not reached the scheduled time yet', () => {
    const latest = at(SCHEDULED) - 5 * MINUTE;
    /** A run for now: first claimed seconds after its scheduled time. */
    const now = { runStartedAt: iso(at(SCHEDULED) + 9_000) };

    it('leaves the last window open, its times still those of the scheduled time', () => {
      const windows = windowsOf(plan({ ...now, latestRestorable: iso(latest) }));

      expect(windows).toEqual([{ from: '2026-11-27T02:00:00.000Z', to: SCHEDULED, open: true }]);
    });

    it('leaves only the last of several windows open', () => {
      const windows = windowsOf(
        plan({ ...now, latestRestorable: iso(latest), previousCoveredUntil: iso(at(SCHEDULED) - 3 * DAY) }),
      );

      expect(windows.map((w) => w.open)).toEqual([undefined, undefined, true]);
      expectContiguous(windows, at(SCHEDULED) - 3 * DAY, at(SCHEDULED));
    });

    it('makes a full export an open one of the scheduled time', () => {
      expect(plan({ ...now, exportType: 'FULL_EXPORT', latestRestorable: iso(latest) })).toEqual({
        kind: 'full',
        exportTime: SCHEDULED,
        open: true,
      });
    });

    it('makes the full export that replaces a gap past the recovery window an open one too', () => {
      const result = plan({
        ...now,
        latestRestorable: iso(latest),
        previousCoveredUntil: iso(at(SCHEDULED) - 40 * DAY),
        outsideRecoveryWindow: 'FULL_EXPORT',
      });

      expect(result).toMatchObject({ kind: 'full', exportTime: SCHEDULED, open: true });
    });

    it('skips a window that is under 15 minutes of what PITR holds', () => {
      expect(
        plan({ ...now, latestRestorable: iso(latest), previousCoveredUntil: iso(latest - 14 * MINUTE) }).kind,
      ).toBe('skip');
    });
  });

  it('leaves a past night re-run closed even while PITR trails the clock', () => {
    const windows = windowsOf(plan({ latestRestorable: iso(at(SCHEDULED) + DAY - 5 * MINUTE) }));

    expect(windows).toEqual([{ from: '2026-11-27T02:00:00.000Z', to: SCHEDULED }]);
  });

  it('sends the same plan wherever PITR stands around the scheduled time (a retry later sends the same request)', () => {
    const inputs = fc.record({
      exportType: fc.constantFrom('FULL_EXPORT' as const, 'INCREMENTAL_EXPORT' as const),
      outsideRecoveryWindow: fc.constantFrom('ERROR' as const, 'FULL_EXPORT' as const),
      // Previous coverage from 40 days (past the 35-day window) to 1 hour before the scheduled time, or none.
      previousAgo: fc.option(fc.integer({ min: HOUR, max: 40 * DAY }), { nil: undefined }),
      // Two latest restorable times, as a start and its retry see them: from 15 minutes short of the
      // scheduled time to 15 minutes past it (PITR caught up between the start and its retry).
      trail: fc.tuple(
        fc.integer({ min: -15 * MINUTE, max: 15 * MINUTE }),
        fc.integer({ min: -15 * MINUTE, max: 15 * MINUTE }),
      ),
    });
    fc.assert(
      fc.property(inputs, ({ exportType, outsideRecoveryWindow, previousAgo, trail }) => {
        const planWith = (trailing: number) =>
          plan({
            exportType,
            outsideRecoveryWindow,
            previousCoveredUntil: previousAgo === undefined ? undefined : iso(at(SCHEDULED) - previousAgo),
            latestRestorable: iso(at(SCHEDULED) - trailing),
            // The run's first claim, which the start and its retry share.
            runStartedAt: iso(at(SCHEDULED) + 9_000),
          });

        expect(planWith(trail[0])).toEqual(planWith(trail[1]));
      }),
      { numRuns: 300 },
    );
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
            scheduledTime: iso(to),
            previousCoveredUntil: iso(from),
            earliestRestorable: iso(from),
            latestRestorable: iso(to),
            runStartedAt: iso(to + DAY),
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
