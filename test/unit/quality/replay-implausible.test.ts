import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../core/config/index.js';
import { eventSchema, type MarketBarEvent } from '../../../core/events/index.js';
import { screenEvents } from '../../../core/quality/index.js';
import { replayEvents } from '../../../local/replay/replay.js';

const config = loadConfig({ env: {} });

describe('the replay poison set', () => {
  it('sends implausible records that parse and fail exactly the rule they name, after the events', async () => {
    const items = [...replayEvents({ config, events: 3_000, poison: 4, implausible: 10 })];
    const implausible = items.flatMap((i) =>
      i.kind === 'poison' && i.poison.expectedOutcome === 'quarantine' ? [i.poison] : [],
    );
    expect(implausible.map((p) => p.expectedReason)).toEqual([
      'universe',
      'event-time',
      'price-bounds',
      'identifier-chars',
      'bar-move',
      'universe',
      'event-time',
      'price-bounds',
      'identifier-chars',
      'bar-move',
    ]);
    expect(items.slice(-10).map((i) => i.kind === 'poison' && i.poison.expectedOutcome)).toEqual(
      Array(10).fill('quarantine'),
    );
    const events = items.flatMap((i) => (i.kind === 'event' ? [i.event] : []));
    const bars = events.filter((e): e is MarketBarEvent => e.type === 'market-bar');
    // The history the sink would hold: every replayed bar of the series, oldest first.
    const recentBars = {
      recent: async (symbol: string, timeframe: string) =>
        bars
          .filter((b) => b.symbol === symbol && b.timeframe === timeframe)
          .sort((a, b) => a.eventTime.localeCompare(b.eventTime)),
      landed: () => undefined,
    };
    for (const p of implausible) {
      const parsed = eventSchema.parse(JSON.parse(p.value.toString('utf8')));
      const { quarantined } = await screenEvents([parsed], (e) => e, config, Date.now(), recentBars);
      expect(
        quarantined.map((q) => q.violation.rule),
        p.value.toString('utf8'),
      ).toEqual([p.expectedReason]);
    }
    // None of the valid replay is implausible (once sent: the producer stamps the ingest time).
    const sent = events.map((e) => ({ ...e, ingestTime: new Date().toISOString() }));
    const { quarantined } = await screenEvents(sent, (e) => e, config, Date.now());
    expect(quarantined.map((q) => `${q.violation.rule}: ${q.violation.detail}`)).toEqual([]);
  });
});
