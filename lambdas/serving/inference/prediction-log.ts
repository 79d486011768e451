import { featureSpecHash, type PredictionRecord, type PredictionVariant } from '../../../core/live/index.js';

/** Where answered predictions go: a log line in AWS (to Firehose via a subscription), the lake locally. */
export type PredictionSink = (record: PredictionRecord) => void;

const TIMEFRAME_MS: Record<string, number> = {
  '1h': 3_600_000,
  '4h': 4 * 3_600_000,
  '1d': 86_400_000,
  '1w': 7 * 86_400_000,
};

// One hash per loaded model, not per request: keyed by the metadata object the model cache holds.
const specHashes = new WeakMap<object, string>();

function specHashOf(metadata: unknown): string {
  if (typeof metadata !== 'object' || metadata === null) return featureSpecHash(null);
  let hash = specHashes.get(metadata);
  if (hash === undefined) {
    hash = featureSpecHash((metadata as { featureSpec?: unknown }).featureSpec);
    specHashes.set(metadata, hash);
  }
  return hash;
}

export interface AnsweredPrediction {
  requestId: string;
  key: string;
  version: number;
  variant: PredictionVariant;
  asOfMs: number;
  prediction: number;
  /** The served model's metadata.json (its feature spec is hashed once). */
  metadata: unknown;
  nowMs: number;
}

/**
 * The prediction log record of one answer. `targetTime` is nominal (asOf + one timeframe); the outcome
 * join realises the forecast on the first bar after `asOf` that actually landed (weekends, holidays).
 */
export function predictionRecord(a: AnsweredPrediction): PredictionRecord {
  const timeframe = a.key.slice(a.key.indexOf('#') + 1);
  return {
    kind: 'prediction',
    requestId: a.requestId,
    key: a.key,
    version: a.version,
    variant: a.variant,
    asOf: new Date(a.asOfMs).toISOString(),
    targetTime: new Date(a.asOfMs + (TIMEFRAME_MS[timeframe] ?? 0)).toISOString(),
    prediction: a.prediction,
    featureSpecHash: specHashOf(a.metadata),
    loggedAt: new Date(a.nowMs).toISOString(),
  };
}

/**
 * The deployed sink: one JSON line on stdout, which Lambda ships to CloudWatch Logs; a subscription filter
 * on `{ $.kind = "prediction" }` hands it to Firehose, which writes the lake's `predictions/` prefix. No
 * network call on the request path. A record that cannot be written is counted (`lost`), never dropped silently.
 */
export function logLineSink(
  write: (line: string) => void = (line) => process.stdout.write(line),
  onLost?: (err: unknown) => void,
): PredictionSink {
  return (record) => {
    try {
      write(`${JSON.stringify(record)}\n`);
    } catch (err) {
      onLost?.(err);
    }
  };
}
