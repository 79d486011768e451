import { z } from 'zod';
import { currentEventSchema, MARKET_BAR_SCHEMA_VERSION } from './schemas.js';

/**
 * THE one place where older event versions become the current shape; every reader (sink, lake, quality
 * gate) goes through it, so a version bump touches this function and the schema, nothing else.
 * Version 1 market bars had no `vwap`/`trades`: they become version 2 with both absent. Fields a version
 * never had are dropped, as zod drops unknown keys, so a v1 record cannot smuggle in a v2 field.
 * Anything else (current versions, unknown versions, non-objects) passes unchanged for the schema to judge.
 */
export function upcastEvent(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const r = raw as Record<string, unknown>;
  if (r.type === 'market-bar' && r.schemaVersion === 1) {
    const { vwap: _vwap, trades: _trades, ...v1 } = r;
    return { ...v1, schemaVersion: MARKET_BAR_SCHEMA_VERSION };
  }
  return raw;
}

/** Accepts versions N and N-1 of every event type and yields the current shape. */
export const eventSchema = z.preprocess(upcastEvent, currentEventSchema);
