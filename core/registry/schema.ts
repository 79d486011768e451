import { z } from 'zod';
import type { Approval, GateDecision } from '../evaluation/gate-decision.js';

/**
 * A model config key: `<SYMBOL>#<timeframe>`, e.g. `AAPL#1h`. It is the partition key of the model's item collection.
 */
export const modelKeySchema = z.string().regex(/^[A-Z][A-Z0-9.]{0,9}#(1h|4h|1d|1w)$/, 'model keys look like AAPL#1h');
export type ModelKey = z.infer<typeof modelKeySchema>;

const s3Uri = z.string().regex(/^(s3|file):\/\/.+/, 'expected an s3:// (or file://) URI');
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a hex sha256');

/** Metrics are numbers only; `valMse` is the one the promotion gate compares (lower is better). */
export const versionMetricsSchema = z
  .object({ valMse: z.number().finite().nonnegative() })
  .catchall(z.number().finite().nullable());
export type VersionMetrics = z.infer<typeof versionMetricsSchema>;

/** What `register` needs: everything that makes a version reproducible and traceable. */
export const registerInputSchema = z.object({
  key: modelKeySchema,
  artifactUri: s3Uri,
  metadataUri: s3Uri,
  sha256,
  metrics: versionMetricsSchema,
  hyperparameters: z.record(z.string(), z.unknown()),
  datasetManifest: z.object({ id: z.string().min(1), uri: s3Uri }),
  codeVersion: z.string().min(1),
  /** core/lineage's hash of the effective config the version was trained with. */
  configHash: z.string().min(1).optional(),
  trainingRunId: z.string().min(1),
});
export type RegisterInput = z.infer<typeof registerInputSchema>;

/** What training a version cost: its share of its run's priced instances, with where the price came from. */
export const trainingCostSchema = z.object({
  usd: z.number().nonnegative(),
  runId: z.string().min(1),
  runTotalUsd: z.number().nonnegative(),
  sources: z.array(z.string()),
});
export type TrainingCost = z.infer<typeof trainingCostSchema>;

/**
 * A model version as stored (sk `VERSION#<zero-padded n>`). What makes it reproducible never changes;
 * later transitions only add `gate` (the promotion gate's verdict, once), `approval` (a human decision
 * when promotion is manual) and `archivedAt`.
 */
export interface ModelVersion extends RegisterInput {
  version: number;
  createdAt: string;
  createdBy: string;
  archivedAt?: string;
  gate?: GateDecision;
  approval?: Approval;
  /** Set once by the run's Notify task, after the instances are priced. */
  trainingCost?: TrainingCost;
}

/**
 * Where a version stands in its promotion: `registered` (not gated yet, or registered before the gate
 * existed), `rejected` (by the gate, by a reviewer or by the approval timeout), `promotable` (gate passed,
 * no approval needed or asked), `pending-approval`, `approved`.
 */
export type VersionStatus = 'registered' | 'rejected' | 'promotable' | 'pending-approval' | 'approved';

export function versionStatus(v: Pick<ModelVersion, 'gate' | 'approval'>): VersionStatus {
  if (!v.gate) return 'registered';
  if (v.gate.verdict === 'rejected') return 'rejected';
  switch (v.approval?.state) {
    case undefined:
      return 'promotable';
    case 'pending':
      return 'pending-approval';
    case 'approved':
      return 'approved';
    default:
      return 'rejected';
  }
}

/** Why a version may not serve traffic, or undefined when it may (the gate and any approval both allow it). */
export function servingRefusal(v: Pick<ModelVersion, 'key' | 'version' | 'gate' | 'approval'>): string | undefined {
  const status = versionStatus(v);
  if (status === 'rejected') {
    const why =
      v.approval && v.approval.state !== 'approved'
        ? `approval ${v.approval.state}: ${v.approval.why ?? ''}`
        : (v.gate?.reasons.join('; ') ?? '');
    return `${v.key} v${v.version} was rejected (${why})`;
  }
  if (status === 'pending-approval') return `${v.key} v${v.version} is waiting for approval`;
  return undefined;
}

export interface ProductionAlias {
  version: number;
  artifactUri: string;
  metadataUri: string;
  sha256: string;
  since: string;
  /** The version production pointed at before, so `rollback` knows where to go back to. */
  previousVersion?: number;
}

export interface CanaryAlias {
  version: number;
  artifactUri: string;
  metadataUri: string;
  sha256: string;
  /**
   * Share of traffic in (0, 1) the canary receives while production exists; it serves everything when there is none.
   */
  weight: number;
  since: string;
}

/** The model's head item (sk `HEAD`): version counter plus both aliases; `revision` guards alias moves. */
export interface ModelHead {
  key: string;
  latestVersion: number;
  revision: number;
  production?: ProductionAlias;
  canary?: CanaryAlias;
  updatedAt: string;
}

export interface AliasState {
  production?: number;
  canary?: { version: number; weight: number };
}

export type TransitionAction =
  | 'register'
  | 'gate'
  | 'requestApproval'
  | 'approve'
  | 'reject'
  | 'approvalTimeout'
  | 'setCanary'
  | 'promote'
  | 'rollback'
  | 'archive';

/** One audit entry per transition (sk `AUDIT#<iso time>#<id>`). */
export interface AuditEntry {
  key: string;
  action: TransitionAction;
  version: number;
  who: string;
  why: string;
  at: string;
  from: AliasState;
  to: AliasState;
}

/** Who made a transition and why; every transition takes one. */
export const actorSchema = z.object({ who: z.string().min(1), why: z.string().min(1) });
export type Actor = z.infer<typeof actorSchema>;

/** What serving needs to route a request. */
export interface ServingAliases {
  production?: { version: number; artifactUri: string; metadataUri: string; sha256: string };
  canary?: { version: number; weight: number; artifactUri: string; metadataUri: string; sha256: string };
}
