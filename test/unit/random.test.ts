import { describe, expect, it } from 'vitest';
import { Mulberry32, gaussian, seedFor, seededRandom } from '../../core/random/index.js';

describe('core/random', () => {
  it('is deterministic per seed and stays in [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 1000 }, () => c())).not.toEqual(xs);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
  });

  it('resumes exactly from a saved state, which trainer checkpoints rely on', () => {
    const original = new Mulberry32(7);
    for (let i = 0; i < 10; i++) original.next();
    const resumed = new Mulberry32(original.state);
    expect(Array.from({ length: 5 }, () => resumed.next())).toEqual(Array.from({ length: 5 }, () => original.next()));
  });

  it('derives independent seeds and standard-normal draws', () => {
    expect(seedFor('AAPL', '1d')).toBe(seedFor('AAPL', '1d'));
    expect(seedFor('AAPL', '1d')).not.toBe(seedFor('AAPL', '1h'));
    const rand = seededRandom(1);
    const zs = Array.from({ length: 20_000 }, () => gaussian(rand));
    const mean = zs.reduce((s, z) => s + z, 0) / zs.length;
    const variance = zs.reduce((s, z) => s + (z - mean) ** 2, 0) / zs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });
});
