/*
 * The verification's names and sizing rules, without dependencies: the functions, the stack
 * (loaded by osls through type stripping) and the bench share them.
 */

/** The verification's manifest, written last under the target's prefix. */
export const MANIFEST_NAME = '_manifest.json';

/** Lambda gives a function one full vCPU at 1,769 MB of memory, in proportion below and above. */
export const MB_PER_VCPU = 1769;

/** Lambda's largest function (10,240 MB) has 6 vCPUs. */
export const MAX_VCPUS = 6;

/** The vCPUs a Lambda function of `memoryMb` gets (a fraction below 1,769 MB). */
export const vcpusOf = (memoryMb: number): number => Math.min(MAX_VCPUS, memoryMb / MB_PER_VCPU);

/** Files one counting function reads at once: one per vCPU its memory buys, at least one. */
export const countStreamsOf = (memoryMb: number): number => Math.max(1, Math.ceil(vcpusOf(memoryMb) - 0.05));

/** The stage's defaults for `verification:` (config/stages/*.yml). */
export const VERIFICATION_DEFAULTS = {
  /**
   * Stored (compressed) megabytes per counting batch: well under a minute for the default
   * function's three streams at the rate docs/PERFORMANCE.md measures, a fraction of its
   * 290 s budget (a slower Lambda than assumed still fits).
   */
  batchMegabytes: 2048,
  /** Batches counted at once: an inline Map's most. */
  concurrency: 40,
  /**
   * count-export-batch's memory: three whole vCPUs, three streams. Cost per byte counted is the
   * same at any size (CPU comes with memory); more memory is a shorter wall time, and an inline
   * Map's 40 invocations at once make the function's rate the lever on it.
   */
  countMemoryMb: 5307,
} as const;
