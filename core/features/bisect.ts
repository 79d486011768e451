/**
 * Binary search in ascending `a`: the first index whose value is >= x (`left`) or > x (`right`), a.length when
 * there is none (Python's bisect_left / bisect_right).
 */
export function bisect(a: ArrayLike<number>, x: number, side: 'left' | 'right'): number {
  const right = side === 'right';
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (right ? a[mid]! <= x : a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
