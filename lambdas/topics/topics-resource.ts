import { z } from 'zod';
import type { TopicSpec } from './topic-plan.js';
import { deleteManagedTopics, reconcileTopics, type TopicAdmin } from './topic-reconciler.js';

// CloudFormation hands every custom resource property over as a string, so numbers are coerced here.
const topicProperty = z.object({
  name: z
    .string()
    .min(1)
    .max(249)
    .regex(/^[a-zA-Z0-9._-]+$/),
  partitions: z.coerce.number().int().min(1),
  replicationFactor: z.coerce.number().int().min(1),
  retentionHours: z.coerce.number().int().min(1),
});

export const topicsResourcePropertiesSchema = z
  .object({
    ClusterArn: z.string().min(1).optional(),
    /** Comma-separated brokers; used instead of ClusterArn where no MSK API exists (local broker, tests). */
    Brokers: z.string().min(1).optional(),
    Topics: z.array(topicProperty).min(1),
    DeleteTopicsOnRemoval: z.enum(['true', 'false']).default('true'),
  })
  .refine((p) => p.ClusterArn || p.Brokers, { message: 'either ClusterArn or Brokers is required' });

export type TopicsResourceProperties = z.infer<typeof topicsResourcePropertiesSchema>;

/** Where the topics live: the cluster ARN in AWS, the broker list elsewhere. */
export function clusterTarget(props: Pick<TopicsResourceProperties, 'ClusterArn' | 'Brokers'>): string {
  return props.ClusterArn ?? props.Brokers!;
}

export function physicalIdFor(props: Pick<TopicsResourceProperties, 'ClusterArn' | 'Brokers'>): string {
  return `signalforge-topics:${clusterTarget(props)}`;
}

/** The subset of a CloudFormation custom resource event this resource reads. */
export type TopicsResourceEvent =
  | { RequestType: 'Create'; ResourceProperties: unknown }
  | { RequestType: 'Update'; ResourceProperties: unknown; OldResourceProperties: unknown; PhysicalResourceId: string }
  | { RequestType: 'Delete'; ResourceProperties: unknown; PhysicalResourceId: string };

export interface TopicsResourceResult {
  physicalResourceId: string;
  data: { Topics: string; Created: string; Grown: string; Retained: string; Deleted: string };
}

export interface TopicsResourceDeps {
  /** Connected admin client for the cluster; the caller's `close` disconnects it. */
  connect(props: TopicsResourceProperties): Promise<{ admin: TopicAdmin; close(): Promise<void> }>;
  log?(message: string, detail?: Record<string, unknown>): void;
}

function toSpecs(props: TopicsResourceProperties): TopicSpec[] {
  return props.Topics.map((t) => ({
    name: t.name,
    partitions: t.partitions,
    replicationFactor: t.replicationFactor,
    retentionHours: t.retentionHours,
  }));
}

async function withAdmin<T>(
  deps: TopicsResourceDeps,
  props: TopicsResourceProperties,
  work: (admin: TopicAdmin) => Promise<T>,
): Promise<T> {
  const { admin, close } = await deps.connect(props);
  try {
    return await work(admin);
  } finally {
    await close().catch(() => undefined);
  }
}

const joined = (names: readonly string[]) => names.join(',');

/**
 * Create and Update reconcile (create missing topics, add partitions) and never delete; each request
 * type has its own return, so nothing falls through from Update into Delete. Delete removes only the
 * topics this resource declared and only when DeleteTopicsOnRemoval is 'true'.
 */
export async function handleTopicsEvent(
  event: TopicsResourceEvent,
  deps: TopicsResourceDeps,
): Promise<TopicsResourceResult> {
  const log = deps.log ?? (() => undefined);
  switch (event.RequestType) {
    case 'Create': {
      const props = topicsResourcePropertiesSchema.parse(event.ResourceProperties);
      const plan = await withAdmin(deps, props, (admin) => reconcileTopics(admin, toSpecs(props)));
      log('topics created', { plan });
      return {
        physicalResourceId: physicalIdFor(props),
        data: {
          Topics: joined(props.Topics.map((t) => t.name)),
          Created: joined(plan.create.map((t) => t.name)),
          Grown: joined(plan.grow.map((g) => g.name)),
          Retained: '',
          Deleted: '',
        },
      };
    }
    case 'Update': {
      const props = topicsResourcePropertiesSchema.parse(event.ResourceProperties);
      const old = topicsResourcePropertiesSchema.safeParse(event.OldResourceProperties);
      const sameCluster = old.success && clusterTarget(old.data) === clusterTarget(props);
      const previouslyManaged = sameCluster ? old.data.Topics.map((t) => t.name) : [];
      const plan = await withAdmin(deps, props, (admin) => reconcileTopics(admin, toSpecs(props), previouslyManaged));
      log('topics updated', { plan });
      return {
        // Same cluster keeps the physical id: a new id would make CloudFormation send a Delete for the old one.
        physicalResourceId: sameCluster ? event.PhysicalResourceId : physicalIdFor(props),
        data: {
          Topics: joined(props.Topics.map((t) => t.name)),
          Created: joined(plan.create.map((t) => t.name)),
          Grown: joined(plan.grow.map((g) => g.name)),
          Retained: joined(plan.retained),
          Deleted: '',
        },
      };
    }
    case 'Delete': {
      const parsed = topicsResourcePropertiesSchema.safeParse(event.ResourceProperties);
      // A Create that failed validation is followed by a Delete with the same bad properties: nothing was made.
      if (!parsed.success)
        return {
          physicalResourceId: event.PhysicalResourceId,
          data: { Topics: '', Created: '', Grown: '', Retained: '', Deleted: '' },
        };
      const props = parsed.data;
      const names = props.Topics.map((t) => t.name);
      if (props.DeleteTopicsOnRemoval !== 'true') {
        log('topics retained on removal', { names });
        return {
          physicalResourceId: event.PhysicalResourceId,
          data: { Topics: joined(names), Created: '', Grown: '', Retained: joined(names), Deleted: '' },
        };
      }
      const deleted = await withAdmin(deps, props, (admin) => deleteManagedTopics(admin, names));
      log('topics deleted', { deleted });
      return {
        physicalResourceId: event.PhysicalResourceId,
        data: { Topics: joined(names), Created: '', Grown: '', Retained: '', Deleted: joined(deleted) },
      };
    }
  }
}
