/**
 * Lake layout of the live loop, beside the event topics:
 * `predictions/symbol=<S>/timeframe=<TF>/date=<YYYY-MM-DD>/<batch>.jsonl` (JSON lines, as Firehose delivers them)
 * and `outcomes/symbol=<S>/timeframe=<TF>/<version>.json` (one object per version, rewritten whole by the join,
 * so a second run over the same data writes the same bytes).
 */
export const PREDICTIONS_PREFIX = 'predictions';
export const OUTCOMES_PREFIX = 'outcomes';

function split(key: string): { symbol: string; timeframe: string } {
  const [symbol, timeframe] = key.split('#');
  return { symbol: symbol!, timeframe: timeframe! };
}

export function predictionsKeyPrefix(key: string): string {
  const { symbol, timeframe } = split(key);
  return `${PREDICTIONS_PREFIX}/symbol=${symbol}/timeframe=${timeframe}/`;
}

export function predictionObjectKey(key: string, date: string, batchId: string): string {
  return `${predictionsKeyPrefix(key)}date=${date}/${batchId}.jsonl`;
}

export function outcomesObjectKey(key: string, version: number): string {
  const { symbol, timeframe } = split(key);
  return `${OUTCOMES_PREFIX}/symbol=${symbol}/timeframe=${timeframe}/v${version}.json`;
}
