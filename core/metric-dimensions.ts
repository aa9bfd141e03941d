/*
 * The dimension sets of the per-run metrics (functions/publish-summary/metrics.ts),
 * in the order the dashboard and the alarms (deploy/dashboard.ts) name them. Loaded
 * by the stack through Node's type stripping: erasable TypeScript only, no imports.
 */
export const RUN_DIMENSIONS = {
  target: ['service', 'Stage', 'Source', 'Target'],
  outcome: ['service', 'Stage', 'Source', 'Outcome'],
} as const;
