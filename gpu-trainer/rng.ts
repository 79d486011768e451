import { Mulberry32 } from '../core/random/index.js';

/** The trainer's generator: the shared mulberry32 (state is one integer a checkpoint can hold) plus shuffling. */
export class Rng extends Mulberry32 {
  /** Fisher-Yates in place. */
  shuffle(values: Uint32Array): Uint32Array {
    for (let i = values.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = values[i]!;
      values[i] = values[j]!;
      values[j] = tmp;
    }
    return values;
  }
}

/** FNV-1a of a string mixed with a seed: a stable per-config, per-trial seed. */
export function deriveSeed(seed: number, ...parts: (string | number)[]): number {
  let h = (2166136261 ^ seed) >>> 0;
  for (const ch of parts.join('|')) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 16777619) >>> 0;
  }
  return h >>> 0;
}
