// Ingest benchmark: replay -> kafkajs idempotent producer -> broker -> event-source runner -> sink handler
// -> Parquet in S3 (moto). The sink runs in a child process of its own (as the Lambda runs apart from the
// producers), so producer and sink can use a core each. Phases, each on fresh topics, group, bucket:
//   capacity: events sent as fast as the producer goes; events_per_s = events / (last lake write - first send).
//             Its latencies mostly measure the backlog queued behind the sink, so they are reported apart.
//   paced:    events sent at a fixed rate (the 20,000/s goal unless INGEST_BENCH_RATE says otherwise), each
//             stamped with ingestTime as it is handed to the producer; p50/p99 latency = lake object written
//             minus ingestTime. This is the latency at that sustained rate.
//   paced_low: the same at INGEST_BENCH_LOW_RATE (5,000/s); its lake gives objects_per_10k_events, then is
//             compacted (today treated as closed: nothing writes to it any more) and read back by the
//             dataset builder (snapshot + loadFromManifest for one config) before and after compaction.
//   paced_memory: the paced phase with the sink's lake writer on an in-process store instead of moto: what
//             the pipeline costs without the emulator.
// Every phase audits the whole lake afterwards: lost and duplicated are counted against the replay's event ids.
// The phases repeat INGEST_BENCH_REPEATS times (3); headline figures are medians, with min/max beside them.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { datasetManifestSchema, readUri } from '../core/artifacts/index.js';
import { awsClientConfig } from '../core/aws/clients.js';
import { loadConfig, TOPIC_NAMES, type SignalForgeConfig } from '../core/config/index.js';
import type { SignalEvent } from '../core/events/index.js';
import { createKafka } from '../core/kafka/client.js';
import { auditLake, compactLake, listLakeObjects } from '../core/lake/index.js';
import { loadFromManifest } from '../gpu-trainer/data-source.js';
import { connectEventProducer, eventMessage, type EventProducer } from '../lambdas/ingest/producer.js';
import { replayEvents } from '../local/replay/replay.js';
import type { TrainingDeps } from '../lambdas/training/deps.js';
import { snapshotDataset } from '../lambdas/training/tasks/snapshot.js';
import { ensureIngestTopics, spawnSinkProcess } from '../local/event-source/index.js';
import { startLocalServices, type LocalServices } from '../local/services/index.js';
import { median, percentile } from './percentile.js';

const CAPACITY_EVENTS = Number(process.env.INGEST_BENCH_EVENTS ?? 100_000);
const PACED_RATE = Number(process.env.INGEST_BENCH_RATE ?? 20_000);
const PACED_SECONDS = Number(process.env.INGEST_BENCH_PACED_SECONDS ?? 10);
/** A second paced phase well below the goal rate: the latency floor when the sink is not saturated. */
const LOW_RATE = Number(process.env.INGEST_BENCH_LOW_RATE ?? 5_000);
const BATCH_SIZE = Number(process.env.INGEST_BENCH_BATCH_SIZE ?? 10_000);
/**
 * One lake object per partition and batch: 16 partitions over a window W give about 16/W objects a second
 * whatever the rate, so at 5k/s W >= ~550 ms keeps to 60 objects per 10k events, and the oldest record of
 * a batch waits W, which the 1 s p99 goal must hold. 600 ms serves both.
 */
const BATCH_WINDOW_MS = Number(process.env.INGEST_BENCH_BATCH_WINDOW_MS ?? 600);
const REPEATS = Number(process.env.INGEST_BENCH_REPEATS ?? 3);
/** The config whose training dataset the reader bench builds (market bars of its symbol from the replay). */
const READER_CONFIG = process.env.INGEST_BENCH_READER_CONFIG ?? 'AAPL#1d';
const READER_RUNS = 3;
const PRODUCER_LANES = 4;
/** Space-separated Node flags for the sink process (e.g. `--cpu-prof --cpu-prof-dir=/tmp/p` to profile it). */
const SINK_FLAGS = process.env.INGEST_BENCH_SINK_NODE_FLAGS?.split(' ').filter(Boolean);
const CHUNK = 5_000;

type Figures = Record<string, number | string | boolean | null | object>;

/** CPU time (ms) used so far by these processes and all their descendants, from /proc (Linux); 0 elsewhere. */
function treeCpuMs(roots: readonly number[]): number {
  if (roots.length === 0) return 0;
  const stats = new Map<number, { ppid: number; ticks: number }>();
  try {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const text = readFileSync(`/proc/${name}/stat`, 'utf8');
        const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
        stats.set(Number(name), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
      } catch {
        // the process exited while we looked
      }
    }
  } catch {
    return 0;
  }
  const inTree = new Set(roots);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, s] of stats)
      if (!inTree.has(pid) && inTree.has(s.ppid)) {
        inTree.add(pid);
        grew = true;
      }
  }
  let ticks = 0;
  for (const pid of inTree) ticks += stats.get(pid)?.ticks ?? 0;
  return ticks * 10; // USER_HZ is 100 on Linux
}

/** Each service's CPU time (ms) so far, told apart by command line: the Kafka broker (java) and moto (python). */
function servicesCpuMs(pids: readonly number[]): { kafka: number; moto: number } {
  const of = (needle: string) =>
    pids.filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle);
      } catch {
        return false;
      }
    });
  return { kafka: treeCpuMs(of('kafka')), moto: treeCpuMs(of('moto')) };
}

const ownCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join('/');

/**
 * Hands events to the producer at `rate` per second (Infinity: as fast as sends complete, CHUNK at a time),
 * stamping each slice's ingestTime as it is handed over. Sends are not awaited one by one, so a producer
 * that falls behind shows up as queueing in the measured latency rather than as a slower send schedule.
 */
async function produceAtRate(
  producer: EventProducer,
  events: readonly SignalEvent[],
  rate: number,
  namespace: string,
): Promise<number> {
  const started = performance.now();
  const inflight = new Set<Promise<void>>();
  let sent = 0;
  while (sent < events.length) {
    const due = Number.isFinite(rate)
      ? Math.min(events.length, Math.floor((rate * (performance.now() - started)) / 1000))
      : events.length;
    while (sent < due && (Number.isFinite(rate) || inflight.size < PRODUCER_LANES)) {
      const end = Math.min(due, sent + CHUNK);
      const stamp = new Date().toISOString();
      const messages = events.slice(sent, end).map((e) => eventMessage({ ...e, ingestTime: stamp }, namespace));
      const send = producer.send(messages).finally(() => inflight.delete(send));
      inflight.add(send);
      sent = end;
    }
    if (sent < events.length) await (Number.isFinite(rate) ? sleep(10) : Promise.race(inflight));
  }
  await Promise.all(inflight);
  return performance.now() - started;
}

type Phase = 'capacity' | 'paced' | 'paced_low' | 'paced_memory';

async function runPhase(
  config: SignalForgeConfig,
  servicePids: readonly number[],
  phase: Phase,
  count: number,
  rate: number,
  log: (line: string) => void,
): Promise<{ figures: Figures; s3: S3Client; bucket: string }> {
  const lakeStore = phase === 'paced_memory' ? 'memory' : 's3';
  const suffix = randomBytes(4).toString('hex');
  const namespace = `bench-${phase.replace('_', '-')}-${suffix}`;
  const kafka = createKafka(config, { clientId: namespace });
  const admin = kafka.admin();
  await admin.connect();
  // Topic creation on a loaded broker can answer "does not host this topic-partition" before the
  // leaders settle; it is idempotent, so try again.
  let topics: string[] = [];
  for (let attempt = 1; ; attempt++) {
    try {
      topics = await ensureIngestTopics(admin, config, namespace);
      break;
    } catch (err) {
      if (attempt >= 5) throw err;
      log(`${phase}: topic creation failed (${(err as Error).message}); retrying`);
      await sleep(2_000);
    }
  }
  const s3 = new S3Client(awsClientConfig());
  const bucket = `sf-bench-ingest-${phase.replace('_', '-')}-${suffix}`;
  if (lakeStore === 's3') {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    // Versioned like the deployed lake: dataset manifests pin versions, and compaction relies on it.
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  }

  const replay = { config, events: count, seed: { capacity: 1, paced: 2, paced_low: 3, paced_memory: 2 }[phase] };
  const events: SignalEvent[] = [];
  for (const item of replayEvents(replay)) if (item.kind === 'event') events.push(item.event);

  const latencies = new Float64Array(count * 2);
  let landed = 0;
  let lastWriteAt = 0;
  const sink = spawnSinkProcess(
    {
      lakeBucket: bucket,
      namespace,
      groupId: `${namespace}-sink`,
      batchSize: BATCH_SIZE,
      batchWindowMs: BATCH_WINDOW_MS,
      partitionsConsumedConcurrently: 16,
      reportLatencies: true,
      logLevel: 'ERROR',
      nodeFlags: SINK_FLAGS,
      lakeStore,
    },
    (w) => {
      for (const l of w.latenciesMs) if (landed < latencies.length) latencies[landed++] = l;
      lastWriteAt = Math.max(lastWriteAt, w.writtenAtMs);
    },
  );
  await sink.joined;
  const producer = await connectEventProducer(kafka, { lanes: PRODUCER_LANES });
  const loadBefore = load();
  log(
    `${phase}: ${count} events into ${topics.length} topics at ${Number.isFinite(rate) ? `${rate}/s` : 'full speed'} (load ${loadBefore})`,
  );
  const started = Date.now();
  const cpuAtStart = { bench: ownCpuMs(), ...servicesCpuMs(servicePids) };
  const produceMs = await produceAtRate(producer, events, rate, namespace);
  await producer.disconnect();
  const deadline = Date.now() + 300_000;
  while (landed < count && Date.now() < deadline) await sleep(50);
  const loadAfter = load();
  const cpuAtEnd = { bench: ownCpuMs(), ...servicesCpuMs(servicePids) };
  const stopped = await sink.stop();
  const wallMs = lastWriteAt - started;

  const audit =
    lakeStore === 's3' ? await auditLake(s3, bucket, config.ingest.lakePrefix) : memoryAudit(stopped?.memoryLake);
  const lost = events.filter((e) => !audit.countsByEventId.has(e.eventId)).length;
  const duplicated = [...audit.countsByEventId.values()].reduce((a, n) => a + (n - 1), 0);
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();

  const sorted = latencies.slice(0, Math.min(landed, latencies.length)).sort();
  const figures: Figures = {
    events: count,
    events_per_s: Math.round((count / wallMs) * 1000),
    produce_events_per_s: Math.round((count / produceMs) * 1000),
    p50_latency_ms: Math.round(percentile(sorted, 50)),
    p99_latency_ms: Math.round(percentile(sorted, 99)),
    max_latency_ms: Math.round(sorted[sorted.length - 1] ?? NaN),
    lost,
    duplicated,
    lake_store: lakeStore === 's3' ? 'moto S3' : 'in-process memory',
    lake_objects: audit.objects,
    objects_per_10k_events: Math.round((audit.objects / count) * 10_000 * 10) / 10,
    lake_rows: audit.rows,
    sink_invocations: stopped?.stats.invocations ?? null,
    // CPU per event, to tell which part would limit an idle machine: the bench process (replay, producer,
    // IPC), the sink process (after it joined its group), and the Kafka broker and moto when this bench started them.
    cpu_us_per_event: {
      producer_process: Math.round(((cpuAtEnd.bench - cpuAtStart.bench) / count) * 1000),
      sink_process: stopped ? Math.round((stopped.cpuMs / count) * 1000) : null,
      kafka_broker: servicePids.length > 0 ? Math.round(((cpuAtEnd.kafka - cpuAtStart.kafka) / count) * 1000) : null,
      moto_s3: servicePids.length > 0 ? Math.round(((cpuAtEnd.moto - cpuAtStart.moto) / count) * 1000) : null,
    },
    wall_ms: wallMs,
    load_avg_1_5_15_before: loadBefore,
    load_avg_1_5_15_after: loadAfter,
  };
  log(`${phase}: ${JSON.stringify(figures)}`);
  return { figures, s3, bucket };
}

function memoryAudit(lake: { objects: number; eventIds: string[] } | undefined): {
  objects: number;
  rows: number;
  countsByEventId: Map<string, number>;
} {
  if (!lake) throw new Error('the sink process did not report its in-memory lake');
  const countsByEventId = new Map<string, number>();
  for (const id of lake.eventIds) countsByEventId.set(id, (countsByEventId.get(id) ?? 0) + 1);
  return { objects: lake.objects, rows: lake.eventIds.length, countsByEventId };
}

/**
 * Builds READER_CONFIG's training dataset from the lake as a retrain does: snapshot a manifest (S3
 * versions), then the trainer's loader reads it. Returns the wall times and the dataset, to compare.
 */
async function buildDataset(
  config: SignalForgeConfig,
  s3: S3Client,
  bucket: string,
  label: string,
): Promise<{ ms: number[]; bars: number; dataset: string }> {
  const deps = {
    config,
    s3,
    lakeBucket: bucket,
    artifactBucket: bucket,
    now: () => new Date(),
  } as unknown as TrainingDeps;
  const ms: number[] = [];
  let dataset = '';
  let bars = 0;
  for (let i = 0; i < READER_RUNS; i++) {
    const started = performance.now();
    const run = await snapshotDataset(deps, {
      trigger: 'manual',
      reason: 'ingest bench reader',
      configs: [READER_CONFIG],
      runId: `rt-bench-${label}-${i}`,
    });
    const manifest = datasetManifestSchema.parse(
      JSON.parse(new TextDecoder().decode(await readUri(run.manifest.uri, s3))),
    );
    const data = await loadFromManifest(manifest, s3);
    ms.push(Math.round(performance.now() - started));
    const series = data.series.get(READER_CONFIG);
    bars = series?.bars.length ?? 0;
    dataset = JSON.stringify({ bars: series?.bars, sentiment: series?.sentiment });
  }
  return { ms, bars, dataset };
}

/** Compacts the paced_low lake (its day treated as closed) and times the dataset build before and after. */
async function compactionPhase(
  config: SignalForgeConfig,
  s3: S3Client,
  bucket: string,
  expectedEvents: number,
  log: (line: string) => void,
): Promise<Figures> {
  const prefix = config.ingest.lakePrefix;
  const before = await buildDataset(config, s3, bucket, 'before');
  const objectsBefore = (await listLakeObjects(s3, bucket, prefix)).length;
  const started = performance.now();
  // The phase has stopped writing, so its ingest day can be closed now: a clock one day and the grace ahead.
  const now = new Date(Date.now() + 86_400_000 + config.ingest.compactionGraceHours * 3_600_000);
  const report = await compactLake(s3, bucket, {
    lakePrefix: prefix,
    topics: TOPIC_NAMES,
    graceHours: config.ingest.compactionGraceHours,
    now,
  });
  const compactionMs = Math.round(performance.now() - started);
  const after = await buildDataset(config, s3, bucket, 'after');
  const objects = await listLakeObjects(s3, bucket, prefix);
  const perDay = new Map<string, number>();
  for (const o of objects)
    perDay.set(
      `${o.topic}/${o.symbol ?? '(batch)'}/${o.date}`,
      (perDay.get(`${o.topic}/${o.symbol ?? '(batch)'}/${o.date}`) ?? 0) + 1,
    );
  const audit = await auditLake(s3, bucket, prefix);
  const figures: Figures = {
    lake_objects_before: objectsBefore,
    lake_objects_after: objects.length,
    objects_per_topic_symbol_day: Math.max(...perDay.values()),
    batch_objects_left: objects.filter((o) => o.layout !== 'day').length,
    compaction_ms: compactionMs,
    rows_after: audit.rows,
    lost_after: expectedEvents - audit.countsByEventId.size,
    duplicated_after: audit.rows - audit.countsByEventId.size,
    reader_config: READER_CONFIG,
    reader_bars: after.bars,
    reader_ms_before: median(before.ms),
    reader_ms_after: median(after.ms),
    reader_runs_ms_before: before.ms,
    reader_runs_ms_after: after.ms,
    reader_same_dataset: before.dataset === after.dataset && before.bars > 0,
    days_compacted: report.days.length,
  };
  log(`compaction: ${JSON.stringify(figures)}`);
  return figures;
}

/** Median of one figure over the repeats, with its min and max. */
function spread(values: readonly number[]): { median: number; min: number; max: number; runs: number[] } {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), runs: [...values] };
}

export async function run(log: (line: string) => void): Promise<Figures> {
  let services: LocalServices | undefined;
  if (!process.env.KAFKA_BROKERS || !process.env.AWS_ENDPOINT_URL) {
    log('starting local Kafka and moto');
    services = await startLocalServices({ log });
    Object.assign(process.env, services.env);
  }
  try {
    const config = loadConfig({ env: { ...process.env, SIGNALFORGE_ENV: 'local' } });
    const servicePids = services?.pids ?? [];
    const runs: {
      capacity: Figures;
      paced: Figures;
      paced_low: Figures;
      compaction: Figures;
      paced_memory: Figures;
    }[] = [];
    for (let r = 0; r < REPEATS; r++) {
      log(`repeat ${r + 1}/${REPEATS}`);
      const capacity = (await runPhase(config, servicePids, 'capacity', CAPACITY_EVENTS, Infinity, log)).figures;
      const paced = (
        await runPhase(config, servicePids, 'paced', Math.round(PACED_RATE * PACED_SECONDS), PACED_RATE, log)
      ).figures;
      const low = await runPhase(config, servicePids, 'paced_low', Math.round(LOW_RATE * PACED_SECONDS), LOW_RATE, log);
      const compaction = await compactionPhase(config, low.s3, low.bucket, low.figures.events as number, log);
      const pacedMemory = (
        await runPhase(config, servicePids, 'paced_memory', Math.round(PACED_RATE * PACED_SECONDS), PACED_RATE, log)
      ).figures;
      runs.push({ capacity, paced, paced_low: low.figures, compaction, paced_memory: pacedMemory });
    }
    const of = (pick: (run: (typeof runs)[number]) => unknown) => spread(runs.map((run) => pick(run) as number));
    const cpu = (f: Figures) => f.cpu_us_per_event as Record<string, number | null>;
    // Over every repeat: each phase's count plus what compaction left (`<field>_after`).
    const total = (field: 'lost' | 'duplicated') =>
      runs.reduce(
        (a, run) =>
          a +
          [run.capacity, run.paced, run.paced_low, run.paced_memory].reduce((b, p) => b + (p[field] as number), 0) +
          (run.compaction[`${field}_after`] as number),
        0,
      );
    const lost = total('lost');
    const duplicated = total('duplicated');
    const summary = {
      events_per_s: of((run) => run.capacity.events_per_s),
      p50_latency_ms: of((run) => run.paced.p50_latency_ms),
      p99_latency_ms: of((run) => run.paced.p99_latency_ms),
      paced_achieved_events_per_s: of((run) => run.paced.events_per_s),
      objects_per_10k_events: of((run) => run.paced_low.objects_per_10k_events),
      low_rate_p99_latency_ms: of((run) => run.paced_low.p99_latency_ms),
      compaction_objects_per_topic_symbol_day: of((run) => run.compaction.objects_per_topic_symbol_day),
      compaction_ms: of((run) => run.compaction.compaction_ms),
      reader_dataset_ms_before_compaction: of((run) => run.compaction.reader_ms_before),
      reader_dataset_ms_after_compaction: of((run) => run.compaction.reader_ms_after),
      memory_store_p50_latency_ms: of((run) => run.paced_memory.p50_latency_ms),
      memory_store_p99_latency_ms: of((run) => run.paced_memory.p99_latency_ms),
      sink_cpu_us_per_event_moto: of((run) => cpu(run.paced).sink_process),
      sink_cpu_us_per_event_memory: of((run) => cpu(run.paced_memory).sink_process),
      moto_cpu_us_per_event: of((run) => cpu(run.paced).moto_s3 ?? NaN),
      kafka_cpu_us_per_event: of((run) => cpu(run.paced).kafka_broker ?? NaN),
      producer_cpu_us_per_event: of((run) => cpu(run.paced).producer_process),
    };
    const p99 = summary.p99_latency_ms.median;
    return {
      events: CAPACITY_EVENTS,
      events_per_s: summary.events_per_s.median,
      p50_latency_ms: summary.p50_latency_ms.median,
      p99_latency_ms: p99,
      objects_per_10k_events: summary.objects_per_10k_events.median,
      compaction_objects_per_topic_symbol_day: Math.max(...summary.compaction_objects_per_topic_symbol_day.runs),
      reader_dataset_ms_before_compaction: summary.reader_dataset_ms_before_compaction.median,
      reader_dataset_ms_after_compaction: summary.reader_dataset_ms_after_compaction.median,
      memory_store_p99_latency_ms: summary.memory_store_p99_latency_ms.median,
      pipeline_sink_cpu_us_per_event: summary.sink_cpu_us_per_event_memory.median,
      lost,
      duplicated,
      method:
        `${REPEATS} repeats of every phase; headline figures are medians, \`spread\` has min/max/runs. ` +
        'events_per_s from the capacity phase (sent at full speed; events / (last lake write - first send)); ' +
        'p50/p99 from the paced phase (sent at paced_rate_per_s; lake write - ingestTime stamped at send). ' +
        'objects_per_10k_events from paced_low (low_rate_per_s); its lake is then compacted and the dataset of reader_config built ' +
        '(snapshot manifest + trainer loader, median of 3 builds) before and after. paced_memory repeats the paced phase with the ' +
        'lake writer on an in-process store: memory_store_* and pipeline_sink_cpu_us_per_event are the pipeline without moto. ' +
        'Sink in its own process; lost/duplicated from a full lake audit of every phase, and after compaction.',
      paced_rate_per_s: PACED_RATE,
      low_rate_per_s: LOW_RATE,
      reader_config: READER_CONFIG,
      spread: summary,
      runs,
      batch_size: BATCH_SIZE,
      batch_window_ms: BATCH_WINDOW_MS,
      producer_lanes: PRODUCER_LANES,
      machine: `2 cores shared by 8 engineers working at once; load avg 1/5/15 min before the first phase ${runs[0]!.capacity.load_avg_1_5_15_before}, after the last ${runs.at(-1)!.paced_memory.load_avg_1_5_15_after}`,
      goal_p99_ms: 1_000,
      goal_objects_per_10k_events: 60,
      goals_met:
        p99 < 1_000 &&
        summary.objects_per_10k_events.median <= 60 &&
        Math.max(...summary.compaction_objects_per_topic_symbol_day.runs) === 1 &&
        lost === 0 &&
        duplicated === 0 &&
        summary.paced_achieved_events_per_s.median >= 0.95 * PACED_RATE,
    };
  } finally {
    await services?.stop();
  }
}
