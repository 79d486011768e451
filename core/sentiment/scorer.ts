import type { Sentiment } from '../events/index.js';

/**
 * Anything that turns text into a score in [-1, 1]. Batched and async so an ONNX FinBERT session
 * (onnxruntime-node, one forward pass per batch) can implement it without changing callers.
 */
export interface SentimentScorer {
  readonly model: string;
  scoreBatch(texts: readonly string[]): Promise<Sentiment[]>;
}
