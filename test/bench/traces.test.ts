import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adaptivePoller, fixedPoller, traceJob, walkJob } from '../../dev/bench/asl-walk.ts';
import { replayTraces } from '../../dev/bench/robustness.ts';
import { JOB_SHAPES, shapeTraces } from '../../dev/bench/shapes.ts';
import { endSeconds, parseTraces, pointAt, readTraces, TraceFormatError } from '../../dev/bench/traces.ts';
import type { PollConfig } from '../../functions/shared/config.ts';

const config: PollConfig = { minWaitSeconds: 5, maxWaitSeconds: 900, runDeadlineSeconds: 12 * 3600 };

/** The documented example (docs/PERFORMANCE.md). */
const EXAMPLE = {
  jobs: [
    {
      id: 'nightly-2026-11-27',
      points: [
        { t: 0, status: 'CREATED' },
        { t: 310, status: 'PROCESSING', totalPieces: 8, completedPieces: 0 },
        { t: 1900, status: 'PROCESSING', totalPieces: 8, completedPieces: 5 },
        { t: 3620, status: 'COMPLETED', totalPieces: 8, completedPieces: 8 },
      ],
    },
  ],
};

function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('trace format', () => {
  it('reads the documented example: each point holds until the next, the first terminal one is the end', () => {
    const [trace] = parseTraces(EXAMPLE);
    expect(trace!.id).toBe('nightly-2026-11-27');
    expect(endSeconds(trace!)).toBe(3620);
    expect(pointAt(trace!, 1000)).toMatchObject({ status: 'PROCESSING', completedPieces: 0 });
    expect(pointAt(trace!, 1900)).toMatchObject({ status: 'PROCESSING', completedPieces: 5 });
    expect(pointAt(trace!, 99_999).status).toBe('COMPLETED');
  });

  it('reads ISO times counted from the creation date, or from the first point', () => {
    const [fromCreation, fromFirst] = parseTraces({
      jobs: [
        {
          id: 'a',
          creationDate: '2026-11-28T02:00:00Z',
          points: [
            { at: '2026-11-28T02:00:30Z', status: 'INITIALIZING' },
            { at: '2026-11-28T03:00:00Z', status: 'COMPLETED' },
          ],
        },
        {
          id: 'b',
          points: [
            { at: '2026-11-28T02:00:30Z', status: 'INITIALIZING' },
            { at: '2026-11-28T03:00:00Z', status: 'FAILED' },
          ],
        },
      ],
    });
    expect(fromCreation!.points.map((p) => p.t)).toEqual([30, 3600]);
    expect(fromFirst!.points.map((p) => p.t)).toEqual([0, 3570]);
  });

  it('reads the output of aws logs get-query-results for the documented Logs Insights query, one job per jobId', () => {
    const row = (timestamp: string, jobId: string, jobStatus: string, completed: string) => [
      { field: '@timestamp', value: timestamp },
      { field: 'jobId', value: jobId },
      { field: 'jobStatus', value: jobStatus },
      { field: 'completedPieces', value: completed },
      { field: 'totalPieces', value: '4' },
      { field: 'creationDate', value: '2026-11-28T02:00:00.000Z' },
    ];
    const traces = parseTraces({
      status: 'Complete',
      results: [
        row('2026-11-28 02:40:00.000', 'j1', 'COMPLETED', '4'),
        row('2026-11-28 02:05:00.000', 'j1', 'PROCESSING', '0'),
        row('2026-11-28 02:20:00.000', 'j1', 'PROCESSING', '2'),
        row('2026-11-28 02:10:00.000', 'j2', 'COMPLETED', '4'),
      ],
    });
    expect(traces.map((t) => t.id)).toEqual(['j1', 'j2']);
    expect(traces[0]!.points).toEqual([
      { t: 300, status: 'PROCESSING', totalPieces: 4, completedPieces: 0 },
      { t: 1200, status: 'PROCESSING', totalPieces: 4, completedPieces: 2 },
      { t: 2400, status: 'COMPLETED', totalPieces: 4, completedPieces: 4 },
    ]);
  });

  it('refuses a malformed file naming the field', () => {
    expect(errorOf(() => parseTraces({ jobs: [] })).message).toContain('non-empty "jobs"');
    expect(
      errorOf(() => parseTraces({ jobs: [{ id: 'x', points: [{ t: 0, status: 'RUNNING' }] }] })).message,
    ).toContain('jobs[0].points[0].status must be one of CREATED');
    expect(
      errorOf(() => parseTraces({ jobs: [{ points: [{ t: -1, status: 'CREATED' }] }] })).message,
    ).toContain('jobs[0].points[0].t must be a number of seconds ≥ 0');
    expect(
      errorOf(() =>
        parseTraces({
          jobs: [
            {
              points: [
                { t: 50, status: 'CREATED' },
                { t: 10, status: 'COMPLETED' },
              ],
            },
          ],
        }),
      ).message,
    ).toContain('jobs[0].points[1] is earlier than the point before it');
    expect(
      errorOf(() =>
        parseTraces({ jobs: [{ points: [{ t: 0, status: 'PROCESSING', completedPieces: 1.5 }] }] }),
      ).message,
    ).toContain('jobs[0].points[0].completedPieces must be a non-negative integer');
    const neverEnds = errorOf(() => parseTraces({ jobs: [{ points: [{ t: 0, status: 'PROCESSING' }] }] }));
    expect(neverEnds).toBeInstanceOf(TraceFormatError);
    expect(neverEnds.message).toContain('never reaches COMPLETED or FAILED');
  });

  it('reads a file, and says which file is not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'traces-'));
    writeFileSync(join(dir, 'ok.json'), JSON.stringify(EXAMPLE));
    writeFileSync(join(dir, 'bad.json'), '{ not json');
    expect(readTraces(join(dir, 'ok.json'))).toHaveLength(1);
    expect(errorOf(() => readTraces(join(dir, 'bad.json'))).message).toContain('bad.json');
  });
});

describe('trace replay', () => {
  it('measures the delay from the trace end to the check that sees it, and uses the trace before as the prior', () => {
    const traces = parseTraces({ jobs: [EXAMPLE.jobs[0], { ...EXAMPLE.jobs[0], id: 'next' }] });
    const ours = adaptivePoller(config);
    const baseline = fixedPoller(30, config.runDeadlineSeconds);

    const { rows, withHistory } = replayTraces(traces, ours, baseline);

    const run = walkJob(traceJob(traces[0]!), ours);
    const seenAt = (run.checkTimesMs.at(-1)! - run.checkTimesMs[0]!) / 1000;
    expect(rows[0]!.delayOurs).toBe(run.delaySeconds);
    expect(run.delaySeconds).toBeGreaterThanOrEqual(0);
    expect(seenAt).toBeGreaterThan(0);
    // The fixed poller sees a 3,620 s job at 3,630 s.
    expect(rows[0]!.checksBaseline).toBe(121);
    expect(rows[0]!.delayBaseline).toBe(10);
    // The second job gets the first one's duration as its prior: its first look goes 362 s in.
    expect(rows[1]!.checksWithHistory).toBeLessThan(rows[1]!.checksOurs);
    expect(withHistory.jobs).toBe(2);
  });
});

describe('job shapes not generated by the job model', () => {
  it('has at least 8 shapes, each a timeline that lasts exactly its duration and ends COMPLETED', () => {
    expect(JOB_SHAPES.length).toBeGreaterThanOrEqual(8);
    for (const [k, shape] of JOB_SHAPES.entries()) {
      for (const trace of shapeTraces(shape, 5, 100 + k)) {
        const times = trace.points.map((p) => p.t);
        expect(times).toEqual([...times].sort((a, b) => a - b));
        const end = endSeconds(trace);
        expect(end).toBeGreaterThanOrEqual(1800);
        expect(end).toBeLessThan(12 * 3600 + 1);
        expect(trace.points.at(-1)!.status).toBe('COMPLETED');
      }
    }
  });

  it('covers the cases the estimator assumes away: one piece, no pieces at all, no COMPLETING', () => {
    const sample = (name: string) => shapeTraces(JOB_SHAPES.find((s) => s.name === name)!, 3, 7);
    expect(sample('one piece').every((t) => t.points.some((p) => p.totalPieces === 1))).toBe(true);
    expect(
      sample('no progress signal').every((t) => t.points.every((p) => p.totalPieces === undefined)),
    ).toBe(true);
    expect(sample('no COMPLETING').every((t) => t.points.every((p) => p.status !== 'COMPLETING'))).toBe(true);
  });
});
