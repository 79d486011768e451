/**
 * Holm (1979) step-down adjusted p-values: sort ascending, p_(i) * (m - i + 1), running maximum, capped at 1.
 * Rejecting where the adjusted p-value is at most alpha controls the family-wise error rate at alpha.
 * Returned in the input order.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p || a.i - b.i);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, p * (m - rank)));
    out[i] = running;
  });
  return out;
}
