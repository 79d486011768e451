// Ingest benchmark: replay -> kafkajs idempotent producer -> broker -> event-source runner -> sink handler
// -> Parquet in S3 (moto). The sink runs in a child process of its own (as the Lambda runs apart from the
// producers), so producer and sink can use a core each. Three phases, each on fresh topics, group, bucket:
//   capacity: events sent as fast as the producer goes; events_per_s = events / (last lake write - first send).
//             Its latencies mostly measure the backlog queued behind the sink, so they are reported apart.
//   paced:    events sent at a fixed rate (the 20,000/s goal unless INGEST_BENCH_RATE says otherwise), each
//             stamped with ingestTime as it is handed to the producer; p50/p99 latency = lake object written
//             minus ingestTime. This is the latency at that sustained rate.
//   paced_low: the same at INGEST_BENCH_LOW_RATE (5,000/s): latency when the sink keeps up with room to spare.
// Every phase audits the whole lake afterwards: lost and duplicated are counted against the replay's event ids.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { awsClientConfig } from '../core/aws/clients.js';
import { loadConfig, type SignalForgeConfig } from '../core/config/index.js';
import type { SignalEvent } from '../core/events/index.js';
import { createKafka } from '../core/kafka/client.js';
import { auditLake } from '../core/lake/index.js';
import { connectEventProducer, eventMessage, type EventProducer } from '../lambdas/ingest/producer.js';
import { replayEvents } from '../local/replay/replay.js';
import { ensureIngestTopics, spawnSinkProcess } from '../local/event-source/index.js';
import { startLocalServices, type LocalServices } from '../local/services/index.js';
import { percentile } from './percentile.js';

const CAPACITY_EVENTS = Number(process.env.INGEST_BENCH_EVENTS ?? 100_000);
const PACED_RATE = Number(process.env.INGEST_BENCH_RATE ?? 20_000);
const PACED_SECONDS = Number(process.env.INGEST_BENCH_PACED_SECONDS ?? 10);
/** A second paced phase well below the goal rate: the latency floor when the sink is not saturated. */
const LOW_RATE = Number(process.env.INGEST_BENCH_LOW_RATE ?? 5_000);
const BATCH_SIZE = Number(process.env.INGEST_BENCH_BATCH_SIZE ?? 10_000);
const BATCH_WINDOW_MS = Number(process.env.INGEST_BENCH_BATCH_WINDOW_MS ?? 200);
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
    for (const [pid, s] of stats) if (!inTree.has(pid) && inTree.has(s.ppid)) (inTree.add(pid), (grew = true));
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
const load = () => loadavg().map((x) => x.toFixed(1)).join('/');

/**
 * Hands events to the producer at `rate` per second (Infinity: as fast as sends complete, CHUNK at a time),
 * stamping each slice's ingestTime as it is handed over. Sends are not awaited one by one, so a producer
 * that falls behind shows up as queueing in the measured latency rather than as a slower send schedule.
 */
async function produceAtRate(producer: EventProducer, events: readonly SignalEvent[], rate: number, namespace: string): Promise<number> {
  const started = performance.now();
  const inflight = new Set<Promise<void>>();
  let sent = 0;
  while (sent < events.length) {
    const due = Number.isFinite(rate) ? Math.min(events.length, Math.floor((rate * (performance.now() - started)) / 1000)) : events.length;
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

async function runPhase(config: SignalForgeConfig, servicePids: readonly number[], phase: 'capacity' | 'paced' | 'paced_low', count: number, rate: number, log: (line: string) => void): Promise<Figures> {
  const suffix = randomBytes(4).toString('hex');
  const namespace = `bench-${phase.replace('_', '-')}-${suffix}`;
  const kafka = createKafka(config, { clientId: namespace });
  const admin = kafka.admin();
  await admin.connect();
  const topics = await ensureIngestTopics(admin, config, namespace);
  const s3 = new S3Client(awsClientConfig());
  const bucket = `sf-bench-ingest-${phase.replace('_', '-')}-${suffix}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));

  const replay = { config, events: count, seed: { capacity: 1, paced: 2, paced_low: 3 }[phase] };
  const events: SignalEvent[] = [];
  for (const item of replayEvents(replay)) if (item.kind === 'event') events.push(item.event);

  const latencies = new Float64Array(count * 2);
  let landed = 0;
  let lastWriteAt = 0;
  const sink = spawnSinkProcess(
    { lakeBucket: bucket, namespace, groupId: `${namespace}-sink`, batchSize: BATCH_SIZE, batchWindowMs: BATCH_WINDOW_MS, partitionsConsumedConcurrently: 16, reportLatencies: true, logLevel: 'ERROR', nodeFlags: SINK_FLAGS },
    (w) => {
      for (const l of w.latenciesMs) if (landed < latencies.length) latencies[landed++] = l;
      lastWriteAt = Math.max(lastWriteAt, w.writtenAtMs);
    },
  );
  await sink.joined;
  const producer = await connectEventProducer(kafka, { lanes: PRODUCER_LANES });
  const loadBefore = load();
  log(`${phase}: ${count} events into ${topics.length} topics at ${Number.isFinite(rate) ? `${rate}/s` : 'full speed'} (load ${loadBefore})`);
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

  const audit = await auditLake(s3, bucket, config.ingest.lakePrefix);
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
    lake_objects: audit.objects,
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
  return figures;
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
    const capacity = await runPhase(config, servicePids, 'capacity', CAPACITY_EVENTS, Infinity, log);
    const paced = await runPhase(config, servicePids, 'paced', Math.round(PACED_RATE * PACED_SECONDS), PACED_RATE, log);
    const pacedLow = await runPhase(config, servicePids, 'paced_low', Math.round(LOW_RATE * PACED_SECONDS), LOW_RATE, log);
    return {
      events: CAPACITY_EVENTS,
      events_per_s: capacity.events_per_s!,
      p50_latency_ms: paced.p50_latency_ms!,
      p99_latency_ms: paced.p99_latency_ms!,
      lost: [capacity, paced, pacedLow].reduce((a, p) => a + (p.lost as number), 0),
      duplicated: [capacity, paced, pacedLow].reduce((a, p) => a + (p.duplicated as number), 0),
      method:
        'events_per_s from the capacity phase (sent at full speed; events / (last lake write - first send)); ' +
        'p50/p99 from the paced phase (sent at paced_rate_per_s; lake write - ingestTime stamped at send). ' +
        'Sink in its own process; lost/duplicated from a full lake audit of every phase. ' +
        'paced_low repeats the paced phase at low_rate_per_s to show latency when the sink is not saturated.',
      paced_rate_per_s: PACED_RATE,
      paced_achieved_events_per_s: paced.events_per_s!,
      low_rate_per_s: LOW_RATE,
      low_rate_p50_latency_ms: pacedLow.p50_latency_ms!,
      low_rate_p99_latency_ms: pacedLow.p99_latency_ms!,
      capacity,
      paced,
      paced_low: pacedLow,
      batch_size: BATCH_SIZE,
      batch_window_ms: BATCH_WINDOW_MS,
      producer_lanes: PRODUCER_LANES,
      machine: `2 cores shared with other engineers; load avg 1/5/15 min before capacity ${capacity.load_avg_1_5_15_before}, after paced_low ${pacedLow.load_avg_1_5_15_after}`,
      goal_events_per_s: 20_000,
      goal_p99_ms: 1_000,
      goals_met: (capacity.events_per_s as number) >= 20_000 && (paced.p99_latency_ms as number) < 1_000 && (paced.events_per_s as number) >= 0.95 * PACED_RATE,
    };
  } finally {
    await services?.stop();
  }
}
