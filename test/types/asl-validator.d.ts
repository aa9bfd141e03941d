declare module 'asl-validator' {
  /** asl-validator 4 ships no types: its default export validates a definition. */
  export default function aslValidator(
    definition: unknown,
    options?: { checkPaths?: boolean; checkArn?: boolean },
  ): { isValid: boolean; errors: unknown[] };
}
