import type { SignalEvent } from '../../../core/events/index.js';

export type SourceKind = 'market-data' | 'news' | 'social' | 'filings';

export interface FetchWindow {
  symbols: readonly string[];
  /** Inclusive start of the window to fetch. */
  since: Date;
  /** Stamped as every event's ingestTime, so one poll shares one ingest instant. */
  now: Date;
}

/** A vendor behind one method: fetch a time window for some symbols, return canonical, validated events. */
export interface SourceAdapter {
  readonly name: string;
  readonly kind: SourceKind;
  fetch(window: FetchWindow): Promise<SignalEvent[]>;
}

/** Resolves a secret id (from config) to its value; Secrets Manager in AWS, a map in tests. */
export type SecretResolver = (secretId: string) => Promise<string>;
