/*
 * CloudFormation's intrinsics as this stack uses them (Fn::Sub, Ref, Fn::GetAtt), resolved for
 * one imagined account: what a value will be once deployed, for checks made at packaging
 * (deploy/ledger-targets.ts) and for the tests that run the packaged template's values through
 * the functions' own code. Loaded through Node's type stripping: erasable TypeScript only.
 */

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation values are free-form JSON with intrinsics.
type Cfn = any;

/** The account, region and resource values to resolve against. */
export interface IntrinsicValues {
  account: string;
  region: string;
  /** What `{Ref: id}` (or `${id}` in Fn::Sub) becomes. */
  ref: (logicalId: string) => string;
  /** What `{Fn::GetAtt: [id, attribute]}` becomes. */
  getAtt: (logicalId: string, attribute: string) => string;
}

/** Resolves every intrinsic in `value`; plain JSON comes back as is. */
export function resolveIntrinsics(value: Cfn, values: IntrinsicValues): Cfn {
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(v, values));
  if (typeof value !== 'object' || value === null) return value;
  if ('Fn::Sub' in value) {
    const [template, vars] = Array.isArray(value['Fn::Sub'])
      ? (value['Fn::Sub'] as [string, Record<string, Cfn>])
      : [value['Fn::Sub'] as string, {}];
    return template.replace(/\$\{([^}!]+)\}/g, (_: string, name: string) => {
      if (name in vars) return String(resolveIntrinsics(vars[name], values));
      if (name === 'AWS::Partition') return 'aws';
      if (name === 'AWS::Region') return values.region;
      if (name === 'AWS::AccountId') return values.account;
      if (name === 'AWS::URLSuffix') return 'amazonaws.com';
      const [id, attribute] = name.split('.');
      return attribute ? values.getAtt(id!, attribute) : values.ref(name);
    });
  }
  if ('Ref' in value) {
    const name = String(value.Ref);
    if (name === 'AWS::Region') return values.region;
    if (name === 'AWS::AccountId') return values.account;
    if (name === 'AWS::Partition') return 'aws';
    return values.ref(name);
  }
  if ('Fn::GetAtt' in value) {
    const [id, attribute] = value['Fn::GetAtt'] as [string, string];
    return values.getAtt(id, attribute);
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveIntrinsics(v, values)]));
}
