import { mulberry32 } from '../../sources/emulator/random.ts';
import {
  buildJobPlan,
  type JobPlan,
  jobProgressAt,
  type Stall,
} from '../../sources/pinpoint/emulator-job-model.ts';

/*
 * The simulated export jobs: durations log-uniform from 10 seconds to 12 hours,
 * each with the job model's uneven pieces and, for some, a slow start, stalls,
 * a queue wait (PENDING_JOB) or a failed piece. Seeded: the same seed gives the
 * same population, so two runs of the bench compare like with like.
 */

export interface DurationBand {
  label: string;
  /** Inclusive lower bound, seconds. */
  fromSeconds: number;
  /** Exclusive upper bound, seconds. */
  toSeconds: number;
}

export const BANDS: readonly DurationBand[] = [
  { label: '10 s – 1 min', fromSeconds: 10, toSeconds: 60 },
  { label: '1 – 5 min', fromSeconds: 60, toSeconds: 300 },
  { label: '5 – 30 min', fromSeconds: 300, toSeconds: 1800 },
  { label: '30 min – 2 h', fromSeconds: 1800, toSeconds: 7200 },
  { label: '2 – 6 h', fromSeconds: 7200, toSeconds: 21600 },
  { label: '6 – 12 h', fromSeconds: 21600, toSeconds: 43200 },
];

export const MIN_DURATION_SECONDS = 10;
export const MAX_DURATION_SECONDS = 12 * 3600;

/** One simulated job: its plan, and when it really ends (what the poller has to discover). */
export interface SimJob {
  id: string;
  seed: number;
  plan: JobPlan;
  /** Elapsed seconds from creation to COMPLETED/FAILED. */
  durationSeconds: number;
  pieces: number;
  fails: boolean;
  traits: string[];
}

export function bandOf(durationSeconds: number): DurationBand | undefined {
  return BANDS.find((b) => durationSeconds >= b.fromSeconds && durationSeconds < b.toSeconds);
}

/**
 * A job that really ends `durationSeconds` after creation. The plan's shape is
 * drawn first with shares of a nominal duration (pending, stalls) and then scaled
 * so that the whole timeline, slow start and stalls included, lasts exactly that.
 */
export function makeJob(durationSeconds: number, seed: number): SimJob {
  const random = mulberry32(seed);
  const minutes = durationSeconds / 60;
  // Bigger exports take longer and have more pieces (about 250 endpoints a piece, at most 50).
  const pieces = Math.max(1, Math.min(50, Math.round(minutes ** 0.6 * (0.5 + random()))));
  const unevenness = 0.3 + 0.6 * random();
  const traits: string[] = [];
  const slowStart =
    random() < 0.4 ? { workFraction: 0.05 + 0.25 * random(), speed: 0.25 + 0.45 * random() } : undefined;
  if (slowStart) traits.push('slow start');
  const stallShares: { atWork: number; share: number }[] = [];
  if (random() < 0.3) {
    const count = random() < 0.5 ? 1 : 2;
    for (let i = 0; i < count; i++)
      stallShares.push({ atWork: 0.1 + 0.8 * random(), share: 0.02 + 0.13 * random() });
    traits.push(count === 1 ? 'stall' : '2 stalls');
  }
  const pendingShare = random() < 0.2 ? 0.1 * random() : 0;
  if (pendingShare > 0) traits.push('pending');
  const fails = random() < 0.1;
  const failedPiece = Math.floor(random() * pieces);
  if (fails) traits.push('failed piece');
  const planFor = (nominalMs: number): JobPlan => {
    const stalls: Stall[] = stallShares.map((s) => ({ atWork: s.atWork, durationMs: s.share * nominalMs }));
    return buildJobPlan({
      durationMs: nominalMs,
      pieces,
      seed,
      unevenness,
      pendingMs: pendingShare * nominalMs,
      ...(slowStart ? { slowStart } : {}),
      ...(stalls.length > 0 ? { stalls } : {}),
      ...(fails ? { failedPieces: [failedPiece] } : {}),
    });
  };
  // Every part of the timeline is proportional to the nominal duration: one rescale is exact.
  const probe = jobProgressAt(planFor(1_000_000), 0).terminalAtMs ?? 1_000_000;
  const plan = planFor((1_000_000 * durationSeconds * 1000) / probe);
  const end = jobProgressAt(plan, 0).terminalAtMs ?? durationSeconds * 1000;
  return {
    id: `job-${seed}`,
    seed,
    plan,
    durationSeconds: end / 1000,
    pieces,
    fails,
    traits,
  };
}

/** `count` jobs with durations log-uniform in [10 s, 12 h). */
export function makePopulation(count: number, seed = 20261128): SimJob[] {
  const random = mulberry32(seed);
  const span = Math.log(MAX_DURATION_SECONDS / MIN_DURATION_SECONDS);
  return Array.from({ length: count }, (_, i) => {
    const duration = MIN_DURATION_SECONDS * Math.exp(span * random());
    return makeJob(Math.min(duration, MAX_DURATION_SECONDS - 1), seed + 7919 * (i + 1));
  });
}
