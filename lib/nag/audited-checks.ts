import { Validations, type PolicyValidationPluginReport } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NagRuleCompliance, type IApplyRule, type NagPackProps } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** An acknowledgement that matched no finding: it suppresses nothing, so it is dead code. */
export interface UnusedAcknowledgement {
  readonly path: string;
  readonly id: string;
}

/**
 * AwsSolutionsChecks that also remembers every finding it raised before acknowledgements were applied,
 * so `unusedAcknowledgements()` can list acknowledgements that suppressed nothing. cdk-nag 3 matches
 * an acknowledgement only by exact id (`AwsSolutions-IAM5[Resource::...]`, with the real region), on
 * the flagged resource or an ancestor; a bare `AwsSolutions-IAM5`, a wrong rendering or a construct
 * outside the flagged resource's path is silently ignored, and this is how such mistakes surface.
 * The rules, levels and report are exactly AwsSolutionsChecks'.
 */
export class AuditedAwsSolutionsChecks extends AwsSolutionsChecks {
  /** Construct path of a flagged resource -> finding ids (rule id plus `[finding]` where the rule gives one). */
  private readonly raised = new Map<string, Set<string>>();
  private lastScope: IConstruct | undefined;

  constructor(scope?: IConstruct, props?: NagPackProps) {
    super(scope, props);
  }

  override validateScope(scope: IConstruct): PolicyValidationPluginReport {
    this.raised.clear();
    this.lastScope = scope;
    return super.validateScope(scope);
  }

  protected override applyRule(params: IApplyRule): void {
    const suffix = params.ruleSuffixOverride ?? params.rule.name;
    const ruleId = `${this.readPackName}-${suffix}`;
    const path = params.node.node.path;
    const record = (id: string) => {
      const ids = this.raised.get(path) ?? new Set<string>();
      ids.add(id);
      this.raised.set(path, ids);
    };
    const rule = params.rule;
    super.applyRule({
      info: params.info,
      explanation: params.explanation,
      level: params.level,
      node: params.node,
      // The suffix is pinned because the wrapper below has no name of its own.
      ruleSuffixOverride: suffix,
      rule: (node) => {
        try {
          const result = rule(node);
          if (result === NagRuleCompliance.NON_COMPLIANT) record(ruleId);
          else if (Array.isArray(result)) for (const finding of result) record(`${ruleId}[${finding}]`);
          return result;
        } catch (err) {
          record(ruleId);
          throw err;
        }
      },
    });
  }

  /** Acknowledgements of this pack's rules (in the last validated tree) that matched no finding. */
  unusedAcknowledgements(): UnusedAcknowledgement[] {
    if (!this.lastScope) throw new Error('unusedAcknowledgements() needs a validation run first (app.synth())');
    const prefix = `${this.readPackName}-`;
    const unused: UnusedAcknowledgement[] = [];
    for (const construct of this.lastScope.node.findAll()) {
      const path = construct.node.path;
      for (const entry of construct.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
        for (const qualified of Object.keys(entry.data as Record<string, unknown>)) {
          const id = qualified.replace(/^annotation::/i, '');
          if (!id.startsWith(prefix)) continue;
          if (!this.isRaisedAtOrBelow(path, id)) unused.push({ path, id });
        }
      }
    }
    return unused;
  }

  private isRaisedAtOrBelow(path: string, id: string): boolean {
    for (const [resource, ids] of this.raised) {
      if ((resource === path || resource.startsWith(`${path}/`) || path === '') && ids.has(id)) return true;
    }
    return false;
  }
}
