/*
 * Where a local run's exports go (dev/local): the emulator's bucket and account. The sources'
 * stage defaults name their local values with these (sources/<id>/settings.ts). Loaded by osls
 * through type stripping: erasable TypeScript only, no imports.
 */

/** The bucket a local run exports to: the one the emulator seeds (dev/emulator DEFAULT_BUCKET). */
export const LOCAL_BUCKET = 'local-exports';

/** The emulator's account and region, as in every ARN it makes. */
export const LOCAL_ACCOUNT = { region: 'us-east-1', account: '000000000000' } as const;

/** A role of the emulator's account. */
export const localRoleArn = (name: string): string => `arn:aws:iam::${LOCAL_ACCOUNT.account}:role/${name}`;
