/** One DescribeSpotPriceHistory entry: the price in effect from `at` until the next entry. */
export interface PricePoint {
  at: Date;
  usdPerHour: number;
}

/**
 * Cost of holding one instance over [start, end] when its price is piecewise constant: each point holds
 * until the next one, and the price in effect at `start` is the latest point at or before it (the first
 * point when history begins later, as a window that starts before the returned history would otherwise
 * be free).
 */
export function integrateSpotPrice(history: readonly PricePoint[], start: Date, end: Date): number {
  if (history.length === 0) throw new Error('no spot price history to integrate');
  if (end.getTime() <= start.getTime()) return 0;
  const points = [...history].sort((a, b) => a.at.getTime() - b.at.getTime());
  let usd = 0;
  for (let i = 0; i < points.length; i++) {
    const from = i === 0 ? Math.min(points[0]!.at.getTime(), start.getTime()) : points[i]!.at.getTime();
    const to = i + 1 < points.length ? points[i + 1]!.at.getTime() : Number.POSITIVE_INFINITY;
    const overlap = Math.min(to, end.getTime()) - Math.max(from, start.getTime());
    if (overlap > 0) usd += (points[i]!.usdPerHour * overlap) / 3_600_000;
  }
  return usd;
}
