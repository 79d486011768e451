import { afterAll, describe, expect, it } from 'vitest';
import { TIMEFRAMES } from '../../../core/config/index.js';
import { runRetrainLocally, type StatePayload } from '../../../local/stepfunctions/index.js';
import { LIMITS } from '../../support/template-limits.js';
import { createRetrainWorld, testConfig, type RetrainWorld } from './support/retrain-world.js';

/**
 * Step Functions caps every state's input and output at 256 KiB. The synthesized retrain definition
 * runs here, under the local executor with the real task handlers over moto and the fake trainer, on
 * 100 configs whose symbols have the longest ticker the schema allows (10 characters), all trained,
 * registered, canaried and promoted: the path on which the state accumulates the most.
 */
const SYMBOLS = Array.from({ length: 25 }, (_, i) => `Z${String(i).padStart(2, '0')}XXXXXXX`);

let world: RetrainWorld | undefined;
afterAll(async () => {
  await world?.fake?.settle();
});

describe('retrain state payloads with 100 configs', () => {
  it('keeps every state input and output, and the execution output, under 256 KiB', async () => {
    const config = testConfig({
      universe: { symbols: SYMBOLS, timeframes: [...TIMEFRAMES] },
      training: { configsPerShard: 25 },
    });
    world = await createRetrainWorld({
      config,
      lake: SYMBOLS.flatMap((symbol) => TIMEFRAMES.map((timeframe) => ({ symbol, timeframe, bars: 40 }))),
    });
    const payloads: StatePayload[] = [];
    const result = await runRetrainLocally({
      config,
      handlers: world.handlers,
      input: { trigger: 'manual', reason: 'payload limits', requestedBy: 'vitest' },
      pollMs: 30,
      retryMs: 5,
      onPayload: (p) => payloads.push(p),
    });
    expect(result.status, `${result.error}: ${result.cause}`).toBe('SUCCEEDED');
    expect(result.output!.promoted).toHaveLength(100);
    expect(result.path.filter((s) => s === 'LaunchTrainer')).toHaveLength(4);

    const byState = new Map<string, StatePayload>();
    for (const p of payloads) {
      const key = `${p.state} ${p.kind}`;
      if ((byState.get(key)?.bytes ?? -1) < p.bytes) byState.set(key, p);
    }
    const ranked = [...byState.values()].sort((a, b) => b.bytes - a.bytes);
    console.log(
      `largest state payloads (100 configs): ${ranked
        .slice(0, 6)
        .map((p) => `${p.state} ${p.kind} ${p.bytes} B`)
        .join(', ')}; limit ${LIMITS.stateMachinePayloadBytes} B`,
    );
    // Every state of the happy path reported both sides.
    for (const state of [
      'SnapshotDataset',
      'PlanShards',
      'TrainShards',
      'EvaluateCandidates',
      'RegisterCandidates',
      'NotifyOutcome',
    ]) {
      expect(byState.has(`${state} output`), state).toBe(true);
    }
    expect(ranked.filter((p) => p.bytes > LIMITS.stateMachinePayloadBytes)).toEqual([]);
  }, 600_000);
});
