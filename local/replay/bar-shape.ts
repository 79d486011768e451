import { gaussian } from '../../core/random/index.js';

/** What a bar looks like around its open-to-close move: wick scale (log terms) and typical volume. */
export interface BarShape {
  /** Scale of the half-normal log distance from the body to the high and to the low. */
  wiggle: number;
  /** Median volume; each bar's is lognormal around it. */
  baseVolume: number;
}

export interface ShapedBar {
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;
/** E|Z| for a standard normal Z: the mean of a half-normal of scale 1. */
const HALF_NORMAL_MEAN = Math.sqrt(2 / Math.PI);
const VOLUME_LOG_SD = 0.3;

/** One bar from its open and close: the replay's bars and the sandbox's live continuation share this shape. */
export function shapeBar(open: number, close: number, shape: BarShape, rand: () => number): ShapedBar {
  const o = round(open);
  const c = round(close);
  const h = Math.max(o, c, round(Math.max(open, close) * Math.exp(Math.abs(gaussian(rand)) * shape.wiggle)));
  const l = Math.min(o, c, round(Math.min(open, close) * Math.exp(-Math.abs(gaussian(rand)) * shape.wiggle)));
  const v = Math.round(shape.baseVolume * Math.exp(VOLUME_LOG_SD * gaussian(rand)));
  return { o, h, l, c, v };
}

/**
 * The shape of existing bars (shapeBar's inverse, by moments): mean wick length over the half-normal mean, and the
 * geometric mean volume. So a continuation keeps the range and volume features the model was trained on, and a
 * live bar differs from history only in what the scenario says it should.
 */
export function barShapeOf(bars: readonly ShapedBar[]): BarShape {
  let wicks = 0;
  let logVolume = 0;
  let volumes = 0;
  for (const b of bars) {
    wicks += Math.log(b.h / Math.max(b.o, b.c)) + Math.log(Math.min(b.o, b.c) / b.l);
    if (b.v > 0) {
      logVolume += Math.log(b.v);
      volumes += 1;
    }
  }
  return {
    wiggle: bars.length > 0 ? wicks / (2 * bars.length) / HALF_NORMAL_MEAN : 0,
    baseVolume: volumes > 0 ? Math.exp(logVolume / volumes) : 0,
  };
}
