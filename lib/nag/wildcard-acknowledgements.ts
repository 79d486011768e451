import { CfnResource, Stack, type IAspect } from 'aws-cdk-lib';
import { CfnManagedPolicy, CfnPolicy, CfnRole } from 'aws-cdk-lib/aws-iam';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct, type IConstruct } from 'constructs';
import { acknowledge } from './acknowledge.js';

/** A wildcard that AwsSolutions-IAM5 reports, and why it is acceptable here. */
export interface WildcardRule {
  /** Matched against the finding, e.g. `Resource::arn:<AWS::Partition>:s3:::sf-dev-lake-.../lake/*`. */
  readonly pattern: RegExp;
  readonly reason: string;
}

/** Same rendering cdk-nag uses for IAM5 finding ids (cdk-nag/lib/utils/flatten-cfn-reference). */
export function flattenReference(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const o = node as Record<string, unknown>;
  if (o['Fn::Join']) {
    const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
    return items.map(flattenReference).join(delimiter);
  }
  if (o['Fn::Sub']) return flattenReference(o['Fn::Sub']);
  if (o['Fn::GetAtt']) {
    const [resource, attribute] = o['Fn::GetAtt'] as [unknown, unknown];
    return `<${flattenReference(resource)}.${flattenReference(attribute)}>`;
  }
  if (o['Fn::ImportValue']) return flattenReference(o['Fn::ImportValue']);
  if (o.Ref) return `<${flattenReference(o.Ref)}>`;
  return JSON.stringify(node);
}

/**
 * Acknowledge the AwsSolutions-IAM5 finding of each wildcard resource in `resources`, on the grantee's
 * principal (the role whose default policy carries the statement), with the exact id cdk-nag reports.
 * Only for ARNs whose rendering is known at construction (pseudo parameters, same-stack references).
 */
export function acknowledgeWildcardResources(grantee: IGrantable, resources: readonly string[], reason: string): void {
  const principal = grantee.grantPrincipal;
  if (!Construct.isConstruct(principal)) return;
  const stack = Stack.of(principal);
  for (const r of resources) {
    const flat = flattenReference(stack.resolve(r));
    if (flat.includes('*')) acknowledge(principal, `AwsSolutions-IAM5[Resource::${flat}]`, reason);
  }
}

interface Statement {
  Effect?: string;
  Action?: string | string[];
  Resource?: unknown;
}

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** The IAM5 findings of one policy document, as cdk-nag names them. */
export function wildcardFindings(document: { Statement?: Statement[] } | undefined): string[] {
  const out = new Set<string>();
  for (const s of document?.Statement ?? []) {
    if (s.Effect !== 'Allow') continue;
    for (const a of asArray(s.Action)) if (a.includes('*')) out.add(`Action::${a}`);
    for (const r of asArray(s.Resource)) {
      const flat = flattenReference(r);
      if (flat.includes('*')) out.add(`Resource::${flat}`);
    }
  }
  return [...out];
}

/**
 * Acknowledges AwsSolutions-IAM5 findings that match a rule, each with the rule's reason, on the
 * policy that carries them. Anything unmatched is left for cdk-nag to fail synth on. It computes the
 * findings the way cdk-nag does, so it only works for resources that resolve the same before and
 * after cross-stack references are wired: same-stack references and names built from pseudo
 * parameters, which is why the data buckets and tables have deterministic names.
 */
export class AcknowledgeWildcards implements IAspect {
  constructor(private readonly rules: readonly WildcardRule[]) {}

  visit(node: IConstruct): void {
    if (!CfnResource.isCfnResource(node)) return;
    const stack = Stack.of(node);
    const documents: unknown[] = [];
    if (node instanceof CfnPolicy || node instanceof CfnManagedPolicy)
      documents.push(stack.resolve(node.policyDocument));
    else if (node instanceof CfnRole)
      for (const p of asArray(stack.resolve(node.policies) as { policyDocument: unknown }[]))
        documents.push(stack.resolve(p.policyDocument));
    else return;
    for (const finding of documents.flatMap((d) => wildcardFindings(d as { Statement?: Statement[] }))) {
      const rule = this.rules.find((r) => r.pattern.test(finding));
      if (rule) acknowledge(node, `AwsSolutions-IAM5[${finding}]`, rule.reason);
    }
  }
}
