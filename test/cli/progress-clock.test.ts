import { describe, expect, it } from 'vitest';
import { type FollowUpdate, HistoryTracker } from '../../cli/follow.ts';
import { ProgressRenderer } from '../../cli/format.ts';
import type { JobProgress } from '../../cli/report.ts';
import { HistoryBuilder, runState } from './harness.ts';

/*
 * The progress line keeps its clock running between the workflow's status
 * checks (minutes apart in AWS): elapsed time and the countdown to the next
 * check, redrawn every second on a terminal.
 */

const T0 = new Date('2026-11-28T15:30:00Z');

function job(waitSeconds: number | null): JobProgress {
  return {
    id: 'job-1',
    status: 'PROCESSING',
    completedPieces: 2,
    totalPieces: 8,
    failedPieces: 0,
    totalProcessed: 500,
    totalFailures: 0,
    reused: false,
    s3UrlPrefix: null,
    statusChecks: 3,
    waitSeconds,
  };
}

function terminal() {
  let clock = T0.getTime();
  const out: string[] = [];
  const timers = new Set<() => void>();
  const renderer = new ProgressRenderer(
    { write: (text: string) => out.push(text) },
    true,
    () => Math.round((clock - T0.getTime()) / 1000),
    {
      now: () => new Date(clock),
      every: (_ms, fn) => {
        timers.add(fn);
        return () => timers.delete(fn);
      },
    },
  );
  return {
    renderer,
    timers,
    /** The bar as last drawn. */
    bar: () => out.at(-1)?.replace('\r\x1b[K', '') ?? '',
    advance: (seconds: number) => {
      for (let i = 0; i < seconds; i++) {
        clock += 1000;
        for (const fn of [...timers]) fn();
      }
    },
  };
}

describe('the progress line between status checks', () => {
  it('counts the elapsed time and down to the next check every second', () => {
    const t = terminal();
    t.renderer.update({ type: 'job', job: job(90), statusChanged: true, at: T0 });
    expect(t.bar()).toMatch(/PROCESSING · 0s · next check in 1m 30s$/);

    t.advance(1);
    expect(t.bar()).toMatch(/PROCESSING · 1s · next check in 1m 29s$/);

    t.advance(89);
    expect(t.bar()).toMatch(/PROCESSING · 1m 30s · checking$/);
  });

  it('restarts the countdown when a check changes nothing shown', () => {
    const t = terminal();
    t.renderer.update({ type: 'job', job: job(30), statusChanged: true, at: T0 });
    t.advance(30);

    t.renderer.checked(job(45), new Date(T0.getTime() + 30_000));

    expect(t.bar()).toMatch(/· 30s · next check in 45s$/);
  });

  it('stops its clock when the run ends', () => {
    const t = terminal();
    t.renderer.update({ type: 'job', job: job(30), statusChanged: true, at: T0 });
    expect(t.timers.size).toBe(1);

    t.renderer.finish();

    expect(t.timers.size).toBe(0);
  });
});

describe('following an execution in AWS', () => {
  it('reports a status check that changed nothing, so the countdown restarts from its time', () => {
    const updates: FollowUpdate[] = [];
    const tracker = new HistoryTracker((update) => updates.push(update));
    const h = new HistoryBuilder();
    const arn = 'arn:aws:states:eu-west-1:123456789012:execution:sm:run';
    const same = runState(arn, { JobStatus: 'PROCESSING', TotalPieces: 8, CompletedPieces: 2 });

    tracker.consume([...h.task('GetExportJobStatus', same), ...h.task('GetExportJobStatus', same)]);

    expect(updates.filter((u) => u.type === 'job')).toHaveLength(1);
    expect(updates.at(-1)).toMatchObject({ type: 'checked', job: { status: 'PROCESSING', waitSeconds: 5 } });
  });

  it('prints nothing for such a check when stdout is not a terminal', () => {
    const out: string[] = [];
    const renderer = new ProgressRenderer({ write: (text: string) => out.push(text) }, false, () => 0);

    renderer.update({ type: 'checked', job: job(30), at: T0 });

    expect(out).toEqual([]);
  });
});
