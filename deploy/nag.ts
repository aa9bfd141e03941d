import { App, type CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import nag from 'cdk-nag';
import { NAG_ACKNOWLEDGEMENTS, type NagAcknowledgement } from './nag-acknowledgements.ts';

/** One cdk-nag finding: the rule id with its finding suffix (e.g. `AwsSolutions-IAM5[Resource::*]`) on one resource. */
export interface NagFinding {
  id: string;
  logicalId: string;
  description: string;
}

export interface NagResult {
  /** Every finding before acknowledgements. */
  all: NagFinding[];
  /** Findings no acknowledgement covers: each must be fixed or acknowledged. */
  unacknowledged: NagFinding[];
  /** Acknowledgements that matched no finding in this template. */
  unused: NagAcknowledgement[];
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The names an acknowledgement's `finding` may stand for: any value the stage configuration accepts
 * there (Pinpoint application ids, Customer Profiles domains and segment definitions, DynamoDB tables).
 */
const FINDING_PLACEHOLDERS: Record<string, string> = {
  ApplicationId: '[0-9a-f]{32}',
  DomainName: '[a-zA-Z0-9_-]{1,64}',
  SegmentDefinitionName: '[a-zA-Z0-9_-]{1,64}',
  TableName: '[a-zA-Z0-9_.-]{3,255}',
};

/** Whether `ack` covers the finding `id` on `logicalId`. */
export function covers(ack: NagAcknowledgement, id: string, logicalId: string): boolean {
  if (!ack.logicalIds.includes(logicalId)) return false;
  const match = /^([^[]+)(?:\[(.*)\])?$/.exec(id);
  if (!match || match[1] !== ack.rule) return false;
  if (ack.finding === undefined) return match[2] === undefined;
  const pattern = new RegExp(
    `^${escapeRegExp(ack.finding).replace(/\\\{(\w+)\\\}/g, (whole, name: string) => FINDING_PLACEHOLDERS[name] ?? whole)}$`,
  );
  return match[2] !== undefined && pattern.test(match[2]);
}

function include(templateFile: string) {
  const app = new App();
  const stack = new Stack(app, 'Packaged');
  const template = new CfnInclude(stack, 'Template', { templateFile });
  return { app, template };
}

function scan(app: App): NagFinding[] {
  const findings: NagFinding[] = [];
  for (const pack of [new nag.AwsSolutionsChecks(app), new nag.ServerlessChecks(app)]) {
    for (const violation of pack.validateScope(app).violations) {
      for (const resource of violation.violatingResources) {
        const path = resource.resourceLogicalId ?? resource.constructPath ?? '?';
        findings.push({
          id: violation.ruleName,
          logicalId: path.split('/').pop()!,
          description: violation.description,
        });
      }
    }
  }
  return findings;
}

/**
 * Runs the cdk-nag AwsSolutions and Serverless packs over a packaged
 * CloudFormation template (through CfnInclude, which also type-checks every
 * resource property), acknowledges the reviewed findings with cdk-nag's own
 * mechanism, and scans again: what is left was neither fixed nor acknowledged.
 */
export function checkTemplate(templateFile: string): NagResult {
  const { app, template } = include(templateFile);
  const all = scan(app);
  const used = new Set<NagAcknowledgement>();
  for (const finding of all) {
    const ack = NAG_ACKNOWLEDGEMENTS.find((a) => covers(a, finding.id, finding.logicalId));
    if (!ack) continue;
    used.add(ack);
    const resource: CfnResource = template.getResource(finding.logicalId);
    Validations.of(resource).acknowledge({ id: finding.id, reason: ack.reason });
  }
  return { all, unacknowledged: scan(app), unused: NAG_ACKNOWLEDGEMENTS.filter((a) => !used.has(a)) };
}
