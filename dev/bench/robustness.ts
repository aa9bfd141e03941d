import type { PollPrior } from '../../core/types.ts';
import { mulberry32 } from '../../sources/emulator/random.ts';
import { type JobRun, modelJob, type Poller, traceJob, type WalkableJob, walkJob } from './asl-walk.ts';
import { makeJob } from './population.ts';
import { JOB_SHAPES, shapeTraces } from './shapes.ts';
import type { Trace } from './traces.ts';

/*
 * The polling measures the job model cannot flatter: job shapes written independently of
 * it (dev/bench/shapes.ts), one target's repeated nightly jobs with the previous night as the
 * prior, and recorded traces. Each is walked through the ASL with our poller and the fixed
 * 30-second baseline.
 */

export const SHAPE_JOBS = Number(process.env.BENCH_SHAPE_JOBS ?? 150);
export const NIGHTS = 60;
export const NIGHTLY_SECONDS = 2 * 3600;
export const NIGHTLY_VARIATION = 0.3;

export const quantile = (values: number[], q: number): number => {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
};

/** Checks and delays of a set of jobs under our poller, beside the baseline's. */
export interface PairStats {
  jobs: number;
  checksOurs: number;
  checksBaseline: number;
  /** Total checks ours / total checks baseline. */
  ratio: number;
  delayP50: number;
  delayP95: number;
  delayMax: number;
  baselineDelayP95: number;
  /** Jobs whose end no check saw (the run ended on its deadline first). */
  unseen: number;
}

export function pairStats(ours: JobRun[], baseline: JobRun[]): PairStats {
  const delays = ours.flatMap((r) => (r.delaySeconds === null ? [] : [r.delaySeconds]));
  const baseDelays = baseline.flatMap((r) => (r.delaySeconds === null ? [] : [r.delaySeconds]));
  const sum = (runs: JobRun[]) => runs.reduce((a, r) => a + r.checks, 0);
  return {
    jobs: ours.length,
    checksOurs: sum(ours) / Math.max(1, ours.length),
    checksBaseline: sum(baseline) / Math.max(1, baseline.length),
    ratio: sum(ours) / Math.max(1, sum(baseline)),
    delayP50: quantile(delays, 0.5),
    delayP95: quantile(delays, 0.95),
    delayMax: delays.length ? Math.max(...delays) : Number.NaN,
    baselineDelayP95: quantile(baseDelays, 0.95),
    unseen: ours.length - delays.length,
  };
}

/**
 * Walks the jobs with our poller; `withHistory`: as one target's runs, oldest first, each with the
 * prior create-export-job would read from the ledger: the newest earlier run that COMPLETED, its
 * duration and the timing publish-summary recorded from that run's own poll state.
 */
function measure(jobs: WalkableJob[], ours: Poller, baseline: Poller, withHistory = false) {
  const oursRuns: JobRun[] = [];
  let prior: PollPrior | undefined;
  for (const job of jobs) {
    const run = walkJob(job, ours, withHistory && prior ? { prior } : {});
    oursRuns.push(run);
    if (run.summaryStatus === 'COMPLETED') prior = { durationSeconds: job.durationSeconds, ...run.recorded };
  }
  const baseRuns = jobs.map((job) => walkJob(job, baseline, { liftIterationCap: true }));
  return { stats: pairStats(oursRuns, baseRuns), oursRuns };
}

export interface ShapeResult extends PairStats {
  shape: string;
  description: string;
}

/** Every non-model shape: SHAPE_JOBS jobs each, 30 min to 12 h. */
export function measureShapes(ours: Poller, baseline: Poller): ShapeResult[] {
  return JOB_SHAPES.map((shape, k) => {
    const jobs = shapeTraces(shape, SHAPE_JOBS, 4242 + k).map(traceJob);
    return { shape: shape.name, description: shape.description, ...measure(jobs, ours, baseline).stats };
  });
}

/**
 * How far a shape is from its targets (p95 delay ≤ 60 s, ≤ 50 % of the baseline's checks):
 * the larger of the two shares of its limit; above 1 misses a target.
 */
export const shapeScore = (r: PairStats) => Math.max(r.delayP95 / 60, r.ratio / 0.5, r.unseen > 0 ? 2 : 0);

/** The shape that does worst against its targets. */
export function worstShape(results: ShapeResult[]): ShapeResult | undefined {
  return [...results].sort((a, b) => shapeScore(b) - shapeScore(a))[0];
}

export interface NightlyResult {
  nights: number;
  nominalSeconds: number;
  withHistory: PairStats;
  withoutHistory: PairStats;
}

/**
 * One target's nightly exports: NIGHTS jobs of the job model, durations NIGHTLY_SECONDS ±30 %
 * (uniform), each night's prior the newest earlier COMPLETED night as the ledger records it
 * (none on the first night).
 */
export function measureNightly(ours: Poller, baseline: Poller): NightlyResult {
  const random = mulberry32(20261129);
  const jobs = Array.from({ length: NIGHTS }, (_, i) =>
    makeJob(NIGHTLY_SECONDS * (1 - NIGHTLY_VARIATION + 2 * NIGHTLY_VARIATION * random()), 700_001 + i),
  );
  return {
    nights: NIGHTS,
    nominalSeconds: NIGHTLY_SECONDS,
    withHistory: measure(jobs.map(modelJob), ours, baseline, true).stats,
    withoutHistory: measure(jobs.map(modelJob), ours, baseline).stats,
  };
}

export interface TraceRow {
  id: string;
  durationSeconds: number;
  checksOurs: number;
  checksBaseline: number;
  delayOurs: number | null;
  delayBaseline: number | null;
  /** With the newest earlier COMPLETED trace as the prior (file order: one target's runs, oldest first). */
  checksWithHistory: number;
  delayWithHistory: number | null;
}

/** Replays recorded traces: each alone, and each with the newest COMPLETED trace before it as its prior. */
export function replayTraces(traces: Trace[], ours: Poller, baseline: Poller) {
  const jobs = traces.map(traceJob);
  const alone = measure(jobs, ours, baseline);
  const history = measure(jobs, ours, baseline, true);
  const baseRuns = jobs.map((job) => walkJob(job, baseline, { liftIterationCap: true }));
  const rows: TraceRow[] = jobs.map((job, i) => ({
    id: job.id,
    durationSeconds: job.durationSeconds,
    checksOurs: alone.oursRuns[i]!.checks,
    checksBaseline: baseRuns[i]!.checks,
    delayOurs: alone.oursRuns[i]!.delaySeconds,
    delayBaseline: baseRuns[i]!.delaySeconds,
    checksWithHistory: history.oursRuns[i]!.checks,
    delayWithHistory: history.oursRuns[i]!.delaySeconds,
  }));
  return { rows, alone: alone.stats, withHistory: history.stats };
}
