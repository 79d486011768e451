import {
  readJson,
  runRecordKey,
  runRecordSchema,
  writeJson,
  checkpointPrefix,
  type ArtifactStore,
  type RunRecord,
} from '../core/artifacts/index.js';
import type { TrainerLog } from './log.js';

/** The run record and its serialised writes: the orchestrator reads it as the trainer's heartbeat. */
export interface RunRecordWriter {
  readonly record: RunRecord;
  /** Stamps heartbeatAt and queues a write behind the previous one (writes never overtake each other). */
  save(): Promise<string>;
  uri: string;
}

const now = () => new Date().toISOString();

/** Opens the run record: a fresh one, or the previous attempt's with its results carried over on resume. */
export async function openRunRecord(
  store: ArtifactStore,
  runId: string,
  configsTotal: number,
  resume: boolean,
  lineage: { codeVersion: string; configHash: string },
): Promise<RunRecordWriter> {
  const previous = resume ? await readJson(store, runRecordKey(runId), (v) => runRecordSchema.parse(v)) : undefined;
  const record: RunRecord = {
    runId,
    status: 'starting',
    heartbeatAt: now(),
    attempt: (previous?.attempt ?? 0) + 1,
    configsTotal,
    configsDone: previous?.results.length ?? 0,
    checkpointUri: store.uri(checkpointPrefix(runId)),
    startedAt: previous?.startedAt ?? now(),
    results: previous?.results ?? [],
    skipped: previous?.skipped ?? [],
    progress: {},
    ...lineage,
  };
  let writes = Promise.resolve('');
  const save = () => {
    record.heartbeatAt = now();
    const snapshot = runRecordSchema.parse(structuredClone(record));
    writes = writes.then(() => writeJson(store, runRecordKey(runId), snapshot));
    return writes;
  };
  await save();
  return { record, save, uri: store.uri(runRecordKey(runId)) };
}

/** Keys neither done nor skipped by an earlier attempt, in the requested order. */
export function pendingKeys(record: RunRecord, keys: string[]): string[] {
  const done = new Set(record.results.map((r) => r.key));
  const skipped = new Set(record.skipped.map((s) => s.key));
  return keys.filter((k) => !done.has(k) && !skipped.has(k));
}

/** Rewrites the record every `intervalMs` so a stalled trainer is visible; returns the stop function. */
export function startHeartbeat(writer: RunRecordWriter, intervalMs: number, log: TrainerLog): () => void {
  const timer = setInterval(
    () => void writer.save().catch((err) => log.warn('heartbeat write failed', { error: String(err) })),
    intervalMs,
  );
  timer.unref();
  return () => clearInterval(timer);
}

/** Sets the final status from how the run ended and writes the record a last time. */
export async function finishRunRecord(
  writer: RunRecordWriter,
  failure: Error | undefined,
  stopReason: string | undefined,
): Promise<void> {
  const { record } = writer;
  record.status = failure ? 'failed' : stopReason ? 'interrupted' : 'succeeded';
  if (failure) record.error = failure.stack ?? failure.message;
  // An interrupted run is resumed under the same record; it has not finished.
  if (record.status !== 'interrupted') record.finishedAt = now();
  await writer.save();
}
