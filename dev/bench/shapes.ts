import type { JobStatus } from '../../core/types.ts';
import { mulberry32 } from '../../sources/emulator/random.ts';
import type { Trace, TracePoint } from './traces.ts';

/*
 * Job shapes the poller was not built from: each is written here as a timeline of its
 * own (dev/bench/traces.ts), not drawn from sources/pinpoint/emulator-job-model.ts, and several contradict
 * the estimator's priors on purpose (COMPLETING = 0.4 × setup, the setup's phase shares,
 * a steady pace, pieces at all). docs/PERFORMANCE.md lists them with their proportions.
 */

export interface JobShape {
  name: string;
  /** What it is, for the docs and --help: phase shares, pieces, pace. */
  description: string;
  /** A timeline lasting exactly `durationSeconds`. */
  build(durationSeconds: number, random: () => number): TracePoint[];
}

/** Setup phases (CREATED, PREPARING, INITIALIZING) in the given shares of `seconds`, from `t0`. */
function setup(
  t0: number,
  seconds: number,
  shares: [number, number, number] = [0.2, 0.4, 0.4],
): TracePoint[] {
  const total = shares[0] + shares[1] + shares[2];
  const a = (seconds * shares[0]) / total;
  const b = (seconds * shares[1]) / total;
  return [
    { t: t0, status: 'CREATED' },
    { t: t0 + a, status: 'PREPARING_FOR_INITIALIZATION' },
    { t: t0 + a + b, status: 'INITIALIZING' },
  ];
}

/**
 * PROCESSING from `t0` for `seconds`, pieces finishing after the given relative durations
 * (scaled to fill the span), then `end` statuses.
 */
function processing(t0: number, seconds: number, pieceWeights: number[], failed = 0): TracePoint[] {
  const total = pieceWeights.length;
  const sum = pieceWeights.reduce((a, b) => a + b, 0);
  const points: TracePoint[] = [{ t: t0, status: 'PROCESSING', totalPieces: total, completedPieces: 0 }];
  let t = t0;
  for (let i = 0; i < total - 1; i++) {
    t += (seconds * pieceWeights[i]!) / sum;
    const done = i + 1;
    const failedSoFar = Math.max(0, done - (total - failed));
    points.push({
      t,
      status: 'PROCESSING',
      totalPieces: total,
      completedPieces: done - failedSoFar,
      ...(failedSoFar ? { failedPieces: failedSoFar } : {}),
    });
  }
  return points;
}

function finish(
  t: number,
  total: number,
  completingSeconds: number,
  end: JobStatus = 'COMPLETED',
): TracePoint[] {
  const counts = { totalPieces: total, completedPieces: total };
  const last: TracePoint[] = [{ t: t + completingSeconds, status: end, ...counts }];
  if (completingSeconds <= 0) return last;
  return [{ t, status: end === 'FAILED' ? 'FAILING' : 'COMPLETING', ...counts }, ...last];
}

const pieceCount = (random: () => number, low: number, high: number) =>
  low + Math.floor(random() * (high - low + 1));
const even = (n: number, random: () => number) => Array.from({ length: n }, () => 0.8 + 0.4 * random());

/** A plain job built from phase shares: setup, pieces, completing. */
function phased(
  d: number,
  shares: { setup: number; pending?: number; completing: number },
  weights: number[],
  setupShares?: [number, number, number],
): TracePoint[] {
  const s = d * shares.setup;
  const p = d * (shares.pending ?? 0);
  const c = d * shares.completing;
  const processingSeconds = d - s - p - c;
  const points = [...setup(0, s, setupShares)];
  if (p > 0) points.push({ t: s, status: 'PENDING_JOB' });
  points.push(...processing(s + p, processingSeconds, weights));
  points.push(...finish(s + p + processingSeconds, weights.length, c));
  return points;
}

export const JOB_SHAPES: readonly JobShape[] = [
  {
    name: 'long setup',
    description:
      'setup 70 % (CREATED 5 %, PREPARING 15 %, INITIALIZING 50 %), processing 25 % in 4–20 even pieces, COMPLETING 5 %',
    build: (d, r) => phased(d, { setup: 0.7, completing: 0.05 }, even(pieceCount(r, 4, 20), r), [5, 15, 50]),
  },
  {
    name: 'one piece',
    description: 'setup 15 %, processing 75 % as a single piece (no progress until it ends), COMPLETING 10 %',
    build: (d, r) => phased(d, { setup: 0.15, completing: 0.1 }, even(1, r)),
  },
  {
    name: 'no COMPLETING',
    description: 'setup 20 %, processing 80 % in 8–40 even pieces, then COMPLETED straight from PROCESSING',
    build: (d, r) => phased(d, { setup: 0.2, completing: 0 }, even(pieceCount(r, 8, 40), r)),
  },
  {
    name: 'accelerating pieces',
    description:
      'setup 15 %, processing 80 % in 10–30 pieces each 0.8× as long as the one before, COMPLETING 5 %',
    build: (d, r) => {
      const n = pieceCount(r, 10, 30);
      return phased(
        d,
        { setup: 0.15, completing: 0.05 },
        Array.from({ length: n }, (_, i) => 0.8 ** i),
      );
    },
  },
  {
    name: 'decelerating pieces',
    description:
      'setup 15 %, processing 75 % in 10–30 pieces each 1.15× as long as the one before, COMPLETING 10 %',
    build: (d, r) => {
      const n = pieceCount(r, 10, 30);
      return phased(
        d,
        { setup: 0.15, completing: 0.1 },
        Array.from({ length: n }, (_, i) => 1.15 ** i),
      );
    },
  },
  {
    name: 'long COMPLETING',
    description: 'setup 15 %, processing 50 % in 5–25 even pieces, COMPLETING 35 %',
    build: (d, r) => phased(d, { setup: 0.15, completing: 0.35 }, even(pieceCount(r, 5, 25), r)),
  },
  {
    name: 'long queue',
    description: 'setup 10 %, PENDING_JOB 50 %, processing 35 % in 5–25 even pieces, COMPLETING 5 %',
    build: (d, r) => phased(d, { setup: 0.1, pending: 0.5, completing: 0.05 }, even(pieceCount(r, 5, 25), r)),
  },
  {
    name: 'stuck last piece',
    description: 'setup 10 %, processing 85 % where the last of 5–20 pieces takes half of it, COMPLETING 5 %',
    build: (d, r) => {
      const n = pieceCount(r, 5, 20);
      const weights = even(n - 1, r);
      const sum = weights.reduce((a, b) => a + b, 0);
      return phased(d, { setup: 0.1, completing: 0.05 }, [...weights, sum]);
    },
  },
  {
    name: 'bursts',
    description:
      'setup 20 %, processing 70 %: 12–40 pieces finishing in 3–4 bursts after long silences, COMPLETING 10 %',
    build: (d, r) => {
      const n = pieceCount(r, 12, 40);
      const bursts = pieceCount(r, 3, 4);
      const weights = Array.from({ length: n }, (_, i) =>
        (i + 1) % Math.ceil(n / bursts) === 0 ? 1 : 0.002,
      );
      return phased(d, { setup: 0.2, completing: 0.1 }, weights);
    },
  },
  {
    name: 'no progress signal',
    description:
      'a source that reports only IN_PROGRESS (PROCESSING without pieces) from creation to the end',
    build: (d) => [
      { t: 0, status: 'PROCESSING' },
      { t: d, status: 'COMPLETED' },
    ],
  },
];

/** `count` jobs of one shape, durations log-uniform in [30 min, 12 h), seeded. */
export function shapeTraces(shape: JobShape, count: number, seed: number): Trace[] {
  const random = mulberry32(seed);
  const span = Math.log((12 * 3600) / 1800);
  return Array.from({ length: count }, (_, i) => {
    const duration = Math.round(1800 * Math.exp(span * random()));
    return { id: `${shape.name.replace(/\W+/g, '-')}-${i}`, points: shape.build(duration, random) };
  });
}
