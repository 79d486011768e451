import { randomBytes } from 'node:crypto';
import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { awsClient } from '../aws/clients.js';
import { requiredEnv } from '../config/env.js';
import { approvalSchema, gateDecisionSchema, type Approval, type GateDecision } from '../evaluation/gate-decision.js';
import { ConcurrentModificationError, InvalidTransitionError, NotFoundError } from './errors.js';
import { auditGsiPk, auditSk, HEAD_SK, MODELS_GSI_PK, runGsiPk, runSk, versionSk } from './keys.js';
import {
  actorSchema,
  modelKeySchema,
  registerInputSchema,
  servingRefusal,
  trainingCostSchema,
  type Actor,
  type AliasState,
  type AuditEntry,
  type CanaryAlias,
  type ModelHead,
  type ModelVersion,
  type ProductionAlias,
  type RegisterInput,
  type ServingAliases,
  type TrainingCost,
  type TransitionAction,
} from './schema.js';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

const KEY_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk'] as const;
/** Register races only with other registers of the same model; a few re-reads settle the counter. */
const REGISTER_ATTEMPTS = 5;

/** How a pending approval ends, and the audit action that records it. */
export type ApprovalOutcome = Exclude<Approval['state'], 'pending'>;
const OUTCOME_ACTION: Record<ApprovalOutcome, TransitionAction> = {
  approved: 'approve',
  rejected: 'reject',
  'timed-out': 'approvalTimeout',
};

/**
 * A version an alias newly points at must not have been rejected or be waiting for a decision, checked
 * again inside the transaction so a reject that lands between our read and our write still wins.
 */
const SERVABLE_CONDITION =
  '(attribute_not_exists(gate) OR gate.verdict = :promotable) AND (attribute_not_exists(approval) OR approval.#approvalState = :approved)';

function stripKeys<T>(item: Record<string, unknown>): T {
  const out = { ...item };
  for (const attr of KEY_ATTRIBUTES) delete out[attr];
  return out as T;
}

type Aliases = Pick<ModelHead, 'production' | 'canary'>;

function aliasState(head: Aliases | undefined): AliasState {
  return {
    ...(head?.production ? { production: head.production.version } : {}),
    ...(head?.canary ? { canary: { version: head.canary.version, weight: head.canary.weight } } : {}),
  };
}

/**
 * Optimistic concurrency for alias moves: the revision of the HEAD the caller decided from. Without
 * it the registry uses the revision it reads itself, which still rules out lost updates.
 */
export interface RevisionGuard {
  expectedRevision?: number;
}

export interface ModelRegistryOptions {
  tableName: string;
  /** Defaults to a client built from awsClient (traced). */
  client?: DynamoDBClient;
  now?: () => Date;
}

/**
 * The model registry: immutable versions per model config key, plus `production` and `canary` aliases
 * on the model's HEAD item. Every transition is one DynamoDB transaction that checks the HEAD's
 * `revision` (or the version counter) it read, and writes an audit entry, so concurrent operators
 * cannot lose each other's updates: of two racing alias moves, exactly one commits.
 */
export class ModelRegistry {
  readonly tableName: string;
  private readonly doc: DynamoDBDocumentClient;
  private readonly now: () => Date;

  constructor(options: ModelRegistryOptions) {
    this.tableName = options.tableName;
    const client = options.client ?? awsClient(DynamoDBClient);
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    this.now = options.now ?? (() => new Date());
  }

  async getHead(key: string, consistent = true): Promise<ModelHead | undefined> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: key, sk: HEAD_SK }, ConsistentRead: consistent }),
    );
    return res.Item ? stripKeys<ModelHead>(res.Item) : undefined;
  }

  async getVersion(key: string, version: number): Promise<ModelVersion | undefined> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: key, sk: versionSk(version) }, ConsistentRead: true }),
    );
    return res.Item ? stripKeys<ModelVersion>(res.Item) : undefined;
  }

  /** Production and canary for serving; one eventually consistent read of the HEAD item. */
  async getServingAliases(key: string): Promise<ServingAliases> {
    const head = await this.getHead(key, false);
    const out: ServingAliases = {};
    if (head?.production) {
      const { version, artifactUri, metadataUri, sha256 } = head.production;
      out.production = { version, artifactUri, metadataUri, sha256 };
    }
    if (head?.canary) {
      const { version, weight, artifactUri, metadataUri, sha256 } = head.canary;
      out.canary = { version, weight, artifactUri, metadataUri, sha256 };
    }
    return out;
  }

  async listModels(): Promise<ModelHead[]> {
    const items = await this.queryAll({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': MODELS_GSI_PK },
    });
    return items.map((i) => stripKeys<ModelHead>(i));
  }

  async listVersions(key: string): Promise<ModelVersion[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :k AND begins_with(sk, :s)',
      ExpressionAttributeValues: { ':k': key, ':s': 'VERSION#' },
      ConsistentRead: true,
    });
    return items.map((i) => stripKeys<ModelVersion>(i));
  }

  /** Newest first. */
  async listAudit(key: string, limit = 50): Promise<AuditEntry[]> {
    const res = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :k AND begins_with(sk, :s)',
        ExpressionAttributeValues: { ':k': key, ':s': 'AUDIT#' },
        ScanIndexForward: false,
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return (res.Items ?? []).map((i) => stripKeys<AuditEntry>(i));
  }

  /** Every version one training run registered, across models (gsi1). */
  async versionsByRun(trainingRunId: string): Promise<ModelVersion[]> {
    const items = await this.queryAll({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': runGsiPk(trainingRunId) },
    });
    return items.map((i) => stripKeys<ModelVersion>(i));
  }

  /**
   * Adds the next version number for the model. Idempotent per (key, trainingRunId): a retried
   * registration returns the version the first attempt created.
   */
  async register(input: RegisterInput, actor: Actor): Promise<ModelVersion> {
    const data = registerInputSchema.parse(input);
    actorSchema.parse(actor);
    for (let attempt = 0; attempt < REGISTER_ATTEMPTS; attempt++) {
      const existing = await this.versionForRun(data.key, data.trainingRunId);
      if (existing) return existing;
      const head = await this.getHead(data.key);
      const previous = head?.latestVersion ?? 0;
      const version = previous + 1;
      const at = this.now().toISOString();
      const record: ModelVersion = { ...data, version, createdAt: at, createdBy: actor.who };
      const items: TransactItem[] = [
        {
          Update: {
            TableName: this.tableName,
            Key: { pk: data.key, sk: HEAD_SK },
            UpdateExpression:
              'SET latestVersion = :n, revision = if_not_exists(revision, :zero), updatedAt = :at, #key = :key, gsi1pk = :g, gsi1sk = :key',
            ConditionExpression: head ? 'latestVersion = :prev' : 'attribute_not_exists(pk)',
            ExpressionAttributeNames: { '#key': 'key' },
            ExpressionAttributeValues: {
              ':n': version,
              ':zero': 0,
              ':at': at,
              ':key': data.key,
              ':g': MODELS_GSI_PK,
              ...(head ? { ':prev': previous } : {}),
            },
          },
        },
        {
          Put: {
            TableName: this.tableName,
            Item: {
              pk: data.key,
              sk: versionSk(version),
              gsi1pk: runGsiPk(data.trainingRunId),
              gsi1sk: data.key,
              ...record,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: this.tableName,
            Item: { pk: data.key, sk: runSk(data.trainingRunId), version },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        this.auditPut(data.key, 'register', version, actor, at, head),
      ];
      try {
        await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
        return record;
      } catch (err) {
        if (!(err instanceof TransactionCanceledException)) throw err;
        // Another register of this model took the number, or this run's registration landed meanwhile: re-read.
      }
    }
    throw new ConcurrentModificationError(
      `could not register a version of ${data.key} after ${REGISTER_ATTEMPTS} attempts; too many concurrent registrations`,
    );
  }

  /** Points the canary alias at `version` with a traffic weight in (0, 1). */
  async setCanary(
    key: string,
    version: number,
    weight: number,
    actor: Actor,
    guard: RevisionGuard = {},
  ): Promise<ModelHead> {
    if (!(weight > 0 && weight < 1)) throw new InvalidTransitionError(`canary weight must be in (0, 1), got ${weight}`);
    return this.moveAliases(key, version, 'setCanary', actor, guard, async (head) => {
      const target = await this.servableVersion(key, version);
      if (head.production?.version === version)
        throw new InvalidTransitionError(`${key} v${version} is already production`);
      const canary: CanaryAlias = {
        version,
        weight,
        artifactUri: target.artifactUri,
        metadataUri: target.metadataUri,
        sha256: target.sha256,
        since: this.now().toISOString(),
      };
      return { production: head.production, canary };
    });
  }

  /**
   * Points production at `version` (default: the current canary). A promoted canary stops being canary;
   * the old production version is remembered for `rollback`.
   */
  async promote(key: string, actor: Actor, options: { version?: number } & RevisionGuard = {}): Promise<ModelHead> {
    const head = await this.requireHead(key);
    const chosen = options.version ?? head.canary?.version;
    if (chosen === undefined) throw new InvalidTransitionError(`${key} has no canary to promote; name a version`);
    return this.moveAliases(
      key,
      chosen,
      'promote',
      actor,
      options,
      async (current) => {
        if (current.production?.version === chosen)
          throw new InvalidTransitionError(`${key} v${chosen} is already production`);
        const production = this.productionAlias(await this.servableVersion(key, chosen), current.production?.version);
        return { production, canary: current.canary?.version === chosen ? undefined : current.canary };
      },
      head,
    );
  }

  /** The production alias pointing at `target`, remembering the version it replaces (for a later rollback). */
  private productionAlias(target: ModelVersion, previousVersion: number | undefined): ProductionAlias {
    return {
      version: target.version,
      artifactUri: target.artifactUri,
      metadataUri: target.metadataUri,
      sha256: target.sha256,
      since: this.now().toISOString(),
      ...(previousVersion !== undefined ? { previousVersion } : {}),
    };
  }

  /**
   * `target: 'canary'` withdraws the canary (production keeps serving). `target: 'production'` moves
   * production back to `toVersion`, or to the version it replaced.
   */
  async rollback(
    key: string,
    actor: Actor,
    options: { target: 'canary' | 'production'; toVersion?: number } & RevisionGuard,
  ): Promise<ModelHead> {
    const head = await this.requireHead(key);
    if (options.target === 'canary') {
      if (!head.canary) throw new InvalidTransitionError(`${key} has no canary to roll back`);
      const version = head.canary.version;
      return this.moveAliases(
        key,
        version,
        'rollback',
        actor,
        options,
        async (current) => {
          if (current.canary?.version !== version) throw new InvalidTransitionError(`${key} canary moved meanwhile`);
          return { production: current.production, canary: undefined };
        },
        head,
      );
    }
    const to = options.toVersion ?? head.production?.previousVersion;
    if (!head.production) throw new InvalidTransitionError(`${key} has no production version to roll back`);
    if (to === undefined)
      throw new InvalidTransitionError(`${key} production has no previous version; name one with toVersion`);
    return this.moveAliases(
      key,
      to,
      'rollback',
      actor,
      options,
      async (current) => {
        if (current.production?.version === to) throw new InvalidTransitionError(`${key} v${to} is already production`);
        // A rollback forgets what it replaced: rolling back twice must name its target.
        const production = this.productionAlias(await this.liveVersion(key, to), undefined);
        return { production, canary: current.canary?.version === to ? undefined : current.canary };
      },
      head,
    );
  }

  /** Marks a version archived; it can no longer be aliased. Versions that serve traffic cannot be archived. */
  async archive(key: string, version: number, actor: Actor, guard: RevisionGuard = {}): Promise<ModelVersion> {
    actorSchema.parse(actor);
    const head = await this.requireHead(key);
    const target = await this.liveVersion(key, version);
    if (head.production?.version === version || head.canary?.version === version) {
      throw new InvalidTransitionError(`${key} v${version} is serving traffic; move the alias first`);
    }
    const at = this.now().toISOString();
    await this.transact(key, [
      {
        ConditionCheck: {
          TableName: this.tableName,
          Key: { pk: key, sk: HEAD_SK },
          ConditionExpression: 'revision = :rev',
          ExpressionAttributeValues: { ':rev': guard.expectedRevision ?? head.revision },
        },
      },
      {
        Update: {
          TableName: this.tableName,
          Key: { pk: key, sk: versionSk(version) },
          UpdateExpression: 'SET archivedAt = :at',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(archivedAt)',
          ExpressionAttributeValues: { ':at': at },
        },
      },
      this.auditPut(key, 'archive', version, actor, at, head),
    ]);
    return { ...target, archivedAt: at };
  }

  /**
   * Stores the promotion gate's verdict on the version it judged, with an audit entry. A retried gate
   * may write it again until someone has been asked to approve the version; after that it is fixed.
   */
  async recordGate(decision: GateDecision, actor: Actor): Promise<ModelVersion> {
    const gate = gateDecisionSchema.parse(decision);
    actorSchema.parse(actor);
    const { key, version } = gate;
    const head = await this.requireHead(key);
    const target = await this.liveVersion(key, version);
    if (target.approval)
      throw new InvalidTransitionError(
        `${key} v${version} already went to approval (${target.approval.state}); its gate verdict is fixed`,
      );
    const at = this.now().toISOString();
    await this.transact(key, [
      {
        Update: {
          TableName: this.tableName,
          Key: { pk: key, sk: versionSk(version) },
          UpdateExpression: 'SET gate = :gate',
          ConditionExpression:
            'attribute_exists(pk) AND attribute_not_exists(archivedAt) AND attribute_not_exists(approval)',
          ExpressionAttributeValues: { ':gate': gate },
        },
      },
      this.auditPut(
        key,
        'gate',
        version,
        { who: actor.who, why: `${gate.verdict}: ${gate.reasons.join('; ')}` },
        at,
        head,
      ),
    ]);
    return { ...target, gate };
  }

  /** Lineage, not a transition: the version's share of its training run's cost (no audit item, no revision). */
  async recordTrainingCost(key: string, version: number, cost: TrainingCost): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: key, sk: versionSk(version) },
        UpdateExpression: 'SET trainingCost = :cost',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':cost': trainingCostSchema.parse(cost) },
      }),
    );
  }

  /**
   * Parks a version the gate found promotable as `pending-approval`. Idempotent: asking again while it is
   * pending returns it unchanged (a retried task), asking after a decision is refused.
   */
  async requestApproval(key: string, version: number, actor: Actor): Promise<ModelVersion> {
    actorSchema.parse(actor);
    const head = await this.requireHead(key);
    const target = await this.liveVersion(key, version);
    if (target.approval?.state === 'pending') return target;
    if (target.approval)
      throw new InvalidTransitionError(
        `${key} v${version} was already ${target.approval.state} by ${target.approval.who ?? 'unknown'}`,
      );
    if (target.gate?.verdict !== 'promotable')
      throw new InvalidTransitionError(
        `${key} v${version} is not promotable by the gate (${target.gate ? target.gate.reasons.join('; ') : 'not gated yet'})`,
      );
    const at = this.now().toISOString();
    const approval: Approval = approvalSchema.parse({ state: 'pending', requestedAt: at });
    await this.transact(key, [
      {
        Update: {
          TableName: this.tableName,
          Key: { pk: key, sk: versionSk(version) },
          UpdateExpression: 'SET approval = :approval',
          ConditionExpression:
            'attribute_exists(pk) AND attribute_not_exists(archivedAt) AND attribute_not_exists(approval) AND gate.verdict = :promotable',
          ExpressionAttributeValues: { ':approval': approval, ':promotable': 'promotable' },
        },
      },
      this.auditPut(key, 'requestApproval', version, actor, at, head),
    ]);
    return { ...target, approval };
  }

  /** A reviewer approves a pending version; who and why go on the version and into the audit trail. */
  approve(key: string, version: number, actor: Actor): Promise<ModelVersion> {
    return this.decideApproval(key, version, 'approved', actor);
  }

  /** A reviewer rejects a pending version; it stays registered, with the reason. */
  reject(key: string, version: number, actor: Actor): Promise<ModelVersion> {
    return this.decideApproval(key, version, 'rejected', actor);
  }

  /** Nobody decided within `promotion.approvalTimeoutSeconds`: the version is rejected as timed out. */
  expireApproval(key: string, version: number, actor: Actor): Promise<ModelVersion> {
    return this.decideApproval(key, version, 'timed-out', actor);
  }

  /** Exactly one decision wins: the write is conditional on the approval still being pending. */
  private async decideApproval(
    key: string,
    version: number,
    outcome: ApprovalOutcome,
    actor: Actor,
  ): Promise<ModelVersion> {
    actorSchema.parse(actor);
    const head = await this.requireHead(key);
    const target = await this.liveVersion(key, version);
    if (target.approval?.state !== 'pending') {
      throw new InvalidTransitionError(
        target.approval
          ? `${key} v${version} was already ${target.approval.state} by ${target.approval.who ?? 'unknown'} (${target.approval.why ?? ''})`
          : `${key} v${version} is not waiting for approval`,
      );
    }
    const at = this.now().toISOString();
    const approval: Approval = approvalSchema.parse({
      ...target.approval,
      state: outcome,
      decidedAt: at,
      who: actor.who,
      why: actor.why,
    });
    try {
      await this.transact(key, [
        {
          Update: {
            TableName: this.tableName,
            Key: { pk: key, sk: versionSk(version) },
            UpdateExpression: 'SET approval = :approval',
            ConditionExpression: 'attribute_exists(pk) AND approval.#approvalState = :pending',
            ExpressionAttributeNames: { '#approvalState': 'state' },
            ExpressionAttributeValues: { ':approval': approval, ':pending': 'pending' },
          },
        },
        this.auditPut(key, OUTCOME_ACTION[outcome], version, actor, at, head),
      ]);
    } catch (err) {
      if (!(err instanceof ConcurrentModificationError)) throw err;
      const now = await this.getVersion(key, version);
      throw new InvalidTransitionError(
        `${key} v${version} was decided meanwhile: ${now?.approval?.state ?? 'unknown'} by ${now?.approval?.who ?? 'unknown'}`,
      );
    }
    return { ...target, approval };
  }

  private async moveAliases(
    key: string,
    version: number,
    action: TransitionAction,
    actor: Actor,
    guard: RevisionGuard,
    next: (head: ModelHead) => Promise<Pick<ModelHead, 'production' | 'canary'>>,
    knownHead?: ModelHead,
  ): Promise<ModelHead> {
    actorSchema.parse(actor);
    modelKeySchema.parse(key);
    const head = knownHead ?? (await this.requireHead(key));
    const after = await next(head);
    // The write is conditional on the revision the caller decided from (their read, or ours).
    const basedOn = guard.expectedRevision ?? head.revision;
    const at = this.now().toISOString();
    const set = ['revision = :next', 'updatedAt = :at'];
    const remove: string[] = [];
    const values: Record<string, unknown> = { ':next': basedOn + 1, ':rev': basedOn, ':at': at };
    if (after.production) {
      set.push('production = :production');
      values[':production'] = after.production;
    } else remove.push('production');
    if (after.canary) {
      set.push('canary = :canary');
      values[':canary'] = after.canary;
    } else remove.push('canary');
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.tableName,
          Key: { pk: key, sk: HEAD_SK },
          UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ConditionExpression: 'revision = :rev',
          ExpressionAttributeValues: values,
        },
      },
      this.auditPut(key, action, version, actor, at, head, after),
    ];
    const aliased = [after.production?.version, after.canary?.version].filter((v): v is number => v !== undefined);
    for (const v of new Set(aliased)) {
      // The version an alias points at must still exist unarchived when the transaction commits; one
      // that setCanary or promote newly aliases must also still be servable (not rejected, not pending).
      const servable = v === version && (action === 'setCanary' || action === 'promote');
      items.push({
        ConditionCheck: {
          TableName: this.tableName,
          Key: { pk: key, sk: versionSk(v) },
          ConditionExpression: `attribute_exists(pk) AND attribute_not_exists(archivedAt)${servable ? ` AND ${SERVABLE_CONDITION}` : ''}`,
          ...(servable
            ? {
                ExpressionAttributeNames: { '#approvalState': 'state' },
                ExpressionAttributeValues: { ':promotable': 'promotable', ':approved': 'approved' },
              }
            : {}),
        },
      });
    }
    await this.transact(key, items);
    return { ...head, ...after, revision: basedOn + 1, updatedAt: at };
  }

  private async transact(key: string, items: TransactItem[]): Promise<void> {
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (err) {
      if (err instanceof TransactionCanceledException) {
        throw new ConcurrentModificationError(
          `${key} changed while this transition was being written; re-read and try again (${err.message})`,
        );
      }
      throw err;
    }
  }

  /** The audit item of one transition: who and why, and the aliases before and after (unchanged unless given). */
  private auditPut(
    key: string,
    action: TransitionAction,
    version: number,
    { who, why }: Actor,
    at: string,
    before: Aliases | undefined,
    after: Aliases | undefined = before,
  ): TransactItem {
    const entry: AuditEntry = { key, action, version, who, why, at, from: aliasState(before), to: aliasState(after) };
    const id = randomBytes(6).toString('hex');
    return {
      Put: {
        TableName: this.tableName,
        Item: {
          pk: entry.key,
          sk: auditSk(entry.at, id),
          gsi1pk: auditGsiPk(entry.at),
          gsi1sk: `${entry.at}#${entry.key}`,
          ...entry,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  private async requireHead(key: string): Promise<ModelHead> {
    modelKeySchema.parse(key);
    const head = await this.getHead(key);
    if (!head) throw new NotFoundError(`no model ${key} in the registry`);
    return head;
  }

  private async servableVersion(key: string, version: number): Promise<ModelVersion> {
    const found = await this.liveVersion(key, version);
    const refusal = servingRefusal(found);
    if (refusal) throw new InvalidTransitionError(refusal);
    return found;
  }

  private async liveVersion(key: string, version: number): Promise<ModelVersion> {
    const found = await this.getVersion(key, version);
    if (!found) throw new NotFoundError(`${key} has no version ${version}`);
    if (found.archivedAt) throw new InvalidTransitionError(`${key} v${version} is archived`);
    return found;
  }

  private async versionForRun(key: string, trainingRunId: string): Promise<ModelVersion | undefined> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: key, sk: runSk(trainingRunId) }, ConsistentRead: true }),
    );
    const version = res.Item?.version as number | undefined;
    return version === undefined ? undefined : this.getVersion(key, version);
  }

  private async queryAll(
    params: Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName'>,
  ): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const res = await this.doc.send(
        new QueryCommand({ ...params, TableName: this.tableName, ExclusiveStartKey: start }),
      );
      out.push(...(res.Items ?? []));
      start = res.LastEvaluatedKey;
    } while (start);
    return out;
  }
}

/** The registry named by REGISTRY_TABLE, for handlers and the CLI. */
export function registryFromEnv(env: NodeJS.ProcessEnv = process.env): ModelRegistry {
  return new ModelRegistry({ tableName: requiredEnv('REGISTRY_TABLE', env) });
}
