import { createHash } from 'node:crypto';

/**
 * mulberry32: a 32-bit seeded generator whose whole state is one integer, so a trainer checkpoint can
 * hold it and a resumed run draws the same numbers; replay and sample data use it for seeded streams.
 */
export class Mulberry32 {
  constructor(public state: number) {
    this.state = state >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

/** A seeded uniform [0, 1) source as a plain function. */
export function seededRandom(seed: number): () => number {
  const generator = new Mulberry32(seed);
  return () => generator.next();
}

/** A stable 32-bit seed from any parts, so each synthetic stream is independent of the others. */
export function seedFor(...parts: (string | number)[]): number {
  return createHash('sha256').update(parts.join('|')).digest().readUInt32LE(0);
}

/** Standard normal via Box-Muller. */
export function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

export function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}
