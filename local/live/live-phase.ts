import type { S3Client } from '@aws-sdk/client-s3';
import type { Kafka } from 'kafkajs';
import { barTimeMs } from '../../core/api/index.js';
import type { SignalForgeConfig, Timeframe } from '../../core/config/index.js';
import { PERIODS_PER_YEAR } from '../../core/evaluation/index.js';
import { marketBarEvent, type MarketBarEvent, type SignalEvent } from '../../core/events/index.js';
import type { SentimentPoint } from '../../core/features/index.js';
import { seedFor, seededRandom } from '../../core/random/index.js';
import { connectEventProducer } from '../../lambdas/ingest/producer.js';
import { scoredTextBySymbol, textEvent, type BarSeriesModel } from '../replay/replay.js';
import { barShapeOf, shapeBar, type BarShape } from '../replay/bar-shape.js';
import { waitForDrain } from '../event-source/index.js';
import { startSandboxSink } from '../sandbox/ingest.js';
import { barsPerRequest, latestBarsFromLake } from '../sandbox/bars.js';
import type { SandboxResources } from '../sandbox/resources.js';
import type { PredictionLakeSink } from './prediction-lake-sink.js';
import type { OnlineBarStore } from '../../core/online/index.js';

const STEP_MS: Record<Timeframe, number> = { '1h': 3_600_000, '4h': 14_400_000, '1d': 86_400_000, '1w': 604_800_000 };

/**
 * A 20%-volatility random walk: the continuation of series whose scenario has no generating model (real and GBM bars).
 */
const RANDOM_WALK: BarSeriesModel = {
  source: 'live-random-walk',
  logReturns: (rand, count, dt) => {
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      const u = Math.max(rand(), 1e-12);
      out.push(0.2 * Math.sqrt(dt) * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand()));
    }
    return out;
  },
};

export interface LivePhaseInput {
  config: SignalForgeConfig;
  kafka: Kafka;
  brokers: string[];
  s3: S3Client;
  resources: SandboxResources;
  /** The sink keeps it after each lake write, as in the ingest stage, so the short form sees the new bars. */
  onlineStore: OnlineBarStore;
  apiUrl: string;
  /** Configs whose canary (or shadow) is baking. */
  keys: readonly string[];
  /** The scenario's generating model, so the new bars carry the same (un)predictability as the training data. */
  barModel?: BarSeriesModel;
  seed: number;
  /** New bars per series. */
  bars: number;
  predictions: PredictionLakeSink;
}

export interface LivePhaseResult {
  barsLanded: number;
  /** Live news items and posts landed with the bars (and sent with the requests). */
  textLanded: number;
  requests: number;
  answered: number;
}

/** Chance of a news item or post inside each new bar interval (the replay lands about 0.4 per bar and series). */
const LIVE_TEXT_PER_BAR = 0.4;

/** Open times of the `count` bars after the one opening at `lastT`. */
function nextTimes(timeframe: Timeframe, lastT: number, count: number): number[] {
  return Array.from({ length: count }, (_, j) => lastT + (j + 1) * STEP_MS[timeframe]);
}

/**
 * News and posts about the series' symbol inside the new bars' intervals (t[j-1], t[j]], as in the replay: the
 * world keeps publishing while a canary bakes, and a model trained with sentiment must be judged with it.
 */
export function liveText(key: string, lastT: number, times: readonly number[], seed: number): SignalEvent[] {
  const [symbol] = key.split('#') as [string];
  const rand = seededRandom(seedFor('live-text', key, seed, lastT));
  const out: SignalEvent[] = [];
  let previous = lastT;
  for (const t of times) {
    if (rand() < LIVE_TEXT_PER_BAR) {
      const at = new Date(previous + 1 + Math.floor(rand() * (t - previous))).toISOString();
      out.push(textEvent(symbol, out.length, rand, at, `live-${key}-${lastT}|`));
    }
    previous = t;
  }
  return out;
}

/**
 * The bars opening at `times` (nextTimes) after `last`, drawn from the model's own seeded stream for this series;
 * `sentiment` is the scored live text, for models whose returns respond to it.
 */
export function nextBars(
  key: string,
  last: { t: string; c: number },
  times: readonly number[],
  model: BarSeriesModel,
  seed: number,
  shape: BarShape,
  sentiment: readonly SentimentPoint[] = [],
): MarketBarEvent[] {
  const [symbol, timeframe] = key.split('#') as [string, Timeframe];
  const rand = seededRandom(seedFor('live', key, seed, last.t));
  // Wicks and volume from their own stream, as in the replay, so the shape does not shift the returns.
  const shapeRand = seededRandom(seedFor('live-shape', key, seed, last.t));
  const returns = model.logReturns(rand, times.length, 1 / PERIODS_PER_YEAR[timeframe], { times, sentiment });
  let price = last.c;
  return returns.map((r, j) => {
    const open = price;
    price = open * Math.exp(r);
    const t = times[j]!;
    return marketBarEvent({
      source: `${model.source}-live`,
      synthetic: true,
      symbol,
      timeframe,
      eventTime: new Date(t).toISOString(),
      ingestTime: new Date().toISOString(),
      ...shapeBar(open, price, shape, shapeRand),
    });
  });
}

/**
 * The sandbox's live phase, run while canaries bake: new bars of each baking series go through Kafka and
 * the sink into the lake, and for each new bar a client calls POST /v1/predict with the bars up to it.
 * The API logs every answer to the lake's `predictions/` prefix; the JudgeCanary task joins and judges them.
 */
export async function runLivePhase(input: LivePhaseInput): Promise<LivePhaseResult> {
  const { config, resources } = input;
  const history = new Map<string, Awaited<ReturnType<typeof latestBarsFromLake>>>();
  const fresh = new Map<string, MarketBarEvent[]>();
  const text = new Map<string, { events: SignalEvent[]; scored: SentimentPoint[] }>();
  for (const key of input.keys) {
    const series = await latestBarsFromLake(input.s3, resources.lakeBucket, config, key, barsPerRequest(config));
    if (!series) continue;
    history.set(key, series);
    const last = series.bars[series.bars.length - 1]!;
    const lastT = barTimeMs(last.t);
    // One set of new bar times: the live text falls inside their intervals and the bars open at them.
    const times = nextTimes(series.timeframe as Timeframe, lastT, input.bars);
    const events = liveText(key, lastT, times, input.seed);
    const scored = scoredTextBySymbol(events).get(series.symbol) ?? [];
    text.set(key, { events, scored });
    fresh.set(
      key,
      nextBars(
        key,
        { t: new Date(lastT).toISOString(), c: last.c },
        times,
        input.barModel ?? RANDOM_WALK,
        input.seed,
        // The series' own wick and volume shape: live bars differ from history only in their returns' model.
        barShapeOf(series.bars),
        scored,
      ),
    );
  }
  const events = [...fresh.values(), ...[...text.values()].map((t) => t.events)].flat();
  if (events.length > 0) await landThroughKafka(input, events);

  let requests = 0;
  let answered = 0;
  for (const [key, series] of history) {
    const window = [...series!.bars];
    const scored = text.get(key)?.scored ?? [];
    for (const bar of fresh.get(key) ?? []) {
      window.push({ t: bar.eventTime, o: bar.o, h: bar.h, l: bar.l, c: bar.c, v: bar.v });
      window.shift();
      requests += 1;
      // What was published by this bar's open, as a client with a news feed would send it.
      const sentiment = scored.filter((p) => p.t <= Date.parse(bar.eventTime));
      const res = await fetch(`${input.apiUrl}/v1/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': `live-${key}-${bar.eventTime}` },
        body: JSON.stringify({ symbol: series!.symbol, timeframe: series!.timeframe, bars: window, sentiment }),
      });
      await res.arrayBuffer();
      if (res.status === 200) answered += 1;
    }
  }
  // Answers the last bar forecasts have no realised bar yet; the join counts them as pending.
  await input.predictions.flush();
  return {
    barsLanded: [...fresh.values()].reduce((n, bars) => n + bars.length, 0),
    textLanded: [...text.values()].reduce((n, t) => n + t.events.length, 0),
    requests,
    answered,
  };
}

/** Produces the bars and runs the sink until its group has committed them, as the ingest stage does. */
async function landThroughKafka(input: LivePhaseInput, events: SignalEvent[]): Promise<void> {
  const { resources } = input;
  const { sink, groupId } = await startSandboxSink(input);
  const admin = input.kafka.admin();
  await admin.connect();
  try {
    const producer = await connectEventProducer(input.kafka);
    try {
      await producer.sendEvents(events, new Date(), resources.namespace);
    } finally {
      await producer.disconnect();
    }
    await waitForDrain(admin, groupId, Object.values(resources.topics), 120_000);
  } finally {
    await sink.stop().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}
