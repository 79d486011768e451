import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** One cdk-nag finding acknowledged on a construct, kept for docs/INFRA.md and the suppression test. */
export interface AcknowledgedFinding {
  readonly path: string;
  readonly stack: string;
  readonly id: string;
  readonly reason: string;
}

const registry: AcknowledgedFinding[] = [];

/**
 * Acknowledge a cdk-nag 3 finding on `scope` (and everything below it) with the reason a security
 * reviewer reads. Thin wrapper over `Validations.of(scope).acknowledge` that also records it.
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  if (reason.trim().length < 40) throw new Error(`nag acknowledgement ${id} needs a specific reason, got "${reason}"`);
  Validations.of(scope).acknowledge({ id, reason });
  registry.push({ path: scope.node.path, stack: Stack.of(scope).stackName, id, reason });
}

/** Acknowledgements made so far in this process (all apps). */
export function acknowledgedFindings(): readonly AcknowledgedFinding[] {
  return registry;
}
