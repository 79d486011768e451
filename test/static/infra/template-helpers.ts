import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { flattenReference } from '../../../lib/nag/wildcard-acknowledgements.js';
import type { CfnProperties, CfnStatement } from '../../support/cfn.js';
import { templateResources } from '../../support/template-limits.js';

export type { CfnProperties, CfnStatement };

export type Template = {
  Parameters?: Record<string, unknown>;
  Resources: Record<string, { Type: string; Properties?: CfnProperties; Metadata?: Record<string, unknown> }>;
};

export function readTemplates(outdir: string): Record<string, Template> {
  const out: Record<string, Template> = {};
  for (const f of readdirSync(outdir).filter((n) => n.endsWith('.template.json')))
    out[f.replace('.template.json', '')] = JSON.parse(readFileSync(join(outdir, f), 'utf8'));
  return out;
}

export function resourcesOfType(
  templates: Record<string, Template>,
  type: string,
): { stack: string; id: string; props: CfnProperties }[] {
  return templateResources(templates, type).map(({ stack, id, resource }) => ({
    stack,
    id,
    props: (resource.Properties ?? {}) as CfnProperties,
  }));
}

export interface FlatStatement {
  stack: string;
  policy: string;
  actions: string[];
  resources: string[];
  hasCondition: boolean;
}

const arr = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Every Allow statement of every identity policy (inline role policies and AWS::IAM::Policy), resources flattened. */
export function allowStatements(templates: Record<string, Template>): FlatStatement[] {
  const out: FlatStatement[] = [];
  const push = (stack: string, policy: string, doc: { Statement: CfnStatement | CfnStatement[] } | undefined) => {
    for (const s of arr(doc?.Statement)) {
      if (s.Effect !== 'Allow') continue;
      out.push({
        stack,
        policy,
        actions: arr(s.Action),
        resources: arr<unknown>(s.Resource).map(flattenReference),
        hasCondition: !!s.Condition,
      });
    }
  };
  for (const p of resourcesOfType(templates, 'AWS::IAM::Policy')) push(p.stack, p.id, p.props.PolicyDocument);
  for (const r of resourcesOfType(templates, 'AWS::IAM::Role'))
    for (const ip of arr(r.props.Policies)) push(r.stack, r.id, ip.PolicyDocument);
  return out;
}

export function directorySize(dir: string): number {
  return readdirSync(dir).reduce((sum, name) => {
    const p = join(dir, name);
    const st = statSync(p);
    return sum + (st.isDirectory() ? directorySize(p) : st.size);
  }, 0);
}

export function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? listFiles(p, `${prefix}${name}/`) : [`${prefix}${name}`];
  });
}

/** Render a Fn::Join'd state machine definition with placeholder ARNs so it parses as JSON. */
export function renderDefinition(definition: unknown): string {
  if (typeof definition === 'string') return definition;
  const join = (definition as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return join[1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const getAtt = (part as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      if (getAtt) return `arn:aws:lambda:us-east-1:111111111111:function:${getAtt[0]}`;
      const ref = (part as { Ref?: string }).Ref;
      if (ref === 'AWS::Partition') return 'aws';
      if (ref === 'AWS::Region') return 'us-east-1';
      if (ref === 'AWS::AccountId') return '111111111111';
      return `placeholder-${JSON.stringify(part).replace(/[^a-zA-Z0-9]/g, '')}`;
    })
    .join(join[0]);
}
