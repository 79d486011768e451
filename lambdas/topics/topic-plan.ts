/** One Kafka topic as the stack declares it. */
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly retentionHours: number;
}

/** What the broker already has for a topic. */
export interface ExistingTopic {
  readonly name: string;
  readonly partitions: number;
}

export interface PartitionGrowth {
  readonly name: string;
  readonly from: number;
  readonly to: number;
}

/**
 * The only changes reconciliation makes: create missing topics and add partitions. A topic that the
 * broker has but the spec no longer lists is reported, never deleted: an update must not lose data.
 */
export interface TopicPlan {
  readonly create: TopicSpec[];
  readonly grow: PartitionGrowth[];
  readonly unchanged: string[];
  /** Kafka cannot remove partitions; asking for fewer is an error the caller reports. */
  readonly shrinkRequested: PartitionGrowth[];
  /** Topics present on the broker that were managed before but are no longer declared; kept as-is. */
  readonly retained: string[];
}

/**
 * Compare the declared topics with the broker's. `previouslyManaged` names the topics the resource
 * owned before this update so that removed ones can be reported as retained.
 */
export function planTopics(
  desired: readonly TopicSpec[],
  existing: readonly ExistingTopic[],
  previouslyManaged: readonly string[] = [],
): TopicPlan {
  const byName = new Map(existing.map((t) => [t.name, t]));
  const create: TopicSpec[] = [];
  const grow: PartitionGrowth[] = [];
  const unchanged: string[] = [];
  const shrinkRequested: PartitionGrowth[] = [];
  for (const spec of desired) {
    const current = byName.get(spec.name);
    if (!current) create.push(spec);
    else if (spec.partitions > current.partitions)
      grow.push({ name: spec.name, from: current.partitions, to: spec.partitions });
    else if (spec.partitions < current.partitions)
      shrinkRequested.push({ name: spec.name, from: current.partitions, to: spec.partitions });
    else unchanged.push(spec.name);
  }
  const declared = new Set(desired.map((t) => t.name));
  const retained = previouslyManaged.filter((name) => !declared.has(name) && byName.has(name));
  return { create, grow, unchanged, shrinkRequested, retained };
}

/** Topics to delete on resource removal: only the managed ones that still exist, so a repeat is a no-op. */
export function planTopicDeletion(managed: readonly string[], existingNames: readonly string[]): string[] {
  const present = new Set(existingNames);
  return [...new Set(managed)].filter((name) => present.has(name));
}
