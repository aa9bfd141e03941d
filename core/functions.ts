/*
 * The workflow's functions: the one list of them. Every other list derives from it: the stack's
 * logical ids and roles (sources/stack/cfn.ts), the names AWS gives them (deploy/names.ts), the
 * Task states a local run binds (dev/local/workflow.ts), the classifier's roles (core/aws-errors.ts),
 * the cdk-nag acknowledgements and the bench. serverless.yml cannot import it: a test holds its
 * `functions:` (keys, roles, environments, packaging) and the state machine's substitutions equal to
 * it (test/stack/functions.test.ts). Loaded by osls through type stripping: erasable TypeScript only,
 * no imports.
 */

/**
 * Each function by its key in code, and its name: its key in serverless.yml's `functions:`, its
 * folder under functions/, the `caller` its errors name. In the order the workflow runs them.
 */
export const FUNCTIONS = {
  createExportJob: 'create-export-job',
  getExportJobStatus: 'get-export-job-status',
  verifyExport: 'verify-export',
  countExportBatch: 'count-export-batch',
  finishVerification: 'finish-verification',
  publishSummary: 'publish-summary',
} as const;

export type FunctionKey = keyof typeof FUNCTIONS;
export type FunctionName = (typeof FUNCTIONS)[FunctionKey];
/** The Task state that runs a function (statemachine/export-workflow.asl.json): `CreateExportJob`. */
export type TaskState = Capitalize<FunctionKey>;

/** Every function's key, in the workflow's order. */
export const FUNCTION_KEYS = Object.keys(FUNCTIONS) as FunctionKey[];

/** The Task state that runs the function: `createExportJob` → `CreateExportJob`. */
export const taskStateOf = <K extends FunctionKey>(key: K): Capitalize<K> =>
  `${key.charAt(0).toUpperCase()}${key.slice(1)}` as Capitalize<K>;

/** The IAM role the stack gives the function (deploy/resources.ts): `CreateExportJobRole`. */
export const roleIdOf = <K extends FunctionKey>(key: K): `${Capitalize<K>}Role` => `${taskStateOf(key)}Role`;

/**
 * osls's logical id of the function, without its `LambdaFunction` suffix: the name with its first
 * letter upper-cased and each `-` written `Dash` (`create-export-job` → `CreateDashexportDashjob`).
 */
export function functionIdOf(key: FunctionKey): string {
  const name = FUNCTIONS[key];
  return `${name.charAt(0).toUpperCase()}${name.slice(1)}`.replaceAll('-', 'Dash');
}

/** The state machine's placeholder for the function's ARN (serverless.yml DefinitionSubstitutions). */
export const arnPlaceholderOf = (key: FunctionKey): string => `${taskStateOf(key)}FunctionArn`;

/** `f(key)` for every function, by key. */
export function byFunction<T>(f: (key: FunctionKey) => T): Record<FunctionKey, T> {
  return Object.fromEntries(FUNCTION_KEYS.map((key) => [key, f(key)])) as Record<FunctionKey, T>;
}
