import { escapeHtml } from './format.js';

/**
 * Inline SVG line charts, built as strings so the report needs no script and no library.
 * The geometry helpers are exported because the tests check the drawn paths against the data.
 */

export interface ChartSeries {
  /** Shown in the chart's accessible title and on the path as data-series. */
  name: string;
  values: readonly number[];
  /** CSS class carrying the series colour (defined by the page's stylesheet). */
  className: string;
  dashed?: boolean;
}

export interface LineChartOptions {
  title: string;
  series: readonly ChartSeries[];
  xLabel: string;
  /** First x value (1 for epochs, 0 for bar indices). */
  xStart?: number;
  yScale?: 'linear' | 'log' | 'auto';
  /** A horizontal reference line, e.g. equity 1.0. */
  referenceY?: number;
  width?: number;
  height?: number;
  /** Polylines longer than this are thinned with min/max buckets so 100 charts stay light. */
  maxPoints?: number;
  /** Extra attributes on the <svg>, e.g. data-chart / data-config for tests and styling. */
  attributes?: Record<string, string>;
}

export const CHART_MARGIN = { top: 10, right: 10, bottom: 30, left: 46 } as const;

export interface Extent {
  min: number;
  max: number;
}

/** Min and max over the finite values of all series; undefined when there are none. */
export function finiteExtent(series: readonly (readonly number[])[]): Extent | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (const values of series) {
    for (const v of values) {
      if (!Number.isFinite(v)) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return min <= max ? { min, max } : undefined;
}

/** Maps [d0, d1] onto [r0, r1]; a zero-width domain maps to the middle of the range. */
export function linearScale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  if (d1 === d0) return () => (r0 + r1) / 2;
  const k = (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** A round step of about span/count: 1, 2 or 5 times a power of ten. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0)) return 1;
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const ratio = raw / power;
  const factor = ratio >= 7.5 ? 10 : ratio >= 3.5 ? 5 : ratio >= 1.5 ? 2 : 1;
  return factor * power;
}

export interface Ticks {
  domain: Extent;
  ticks: number[];
  step: number;
}

/** Round the extent outwards to whole steps and list the ticks between. */
export function niceTicks(extent: Extent, count = 4): Ticks {
  let { min, max } = extent;
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.05;
    min -= pad;
    max += pad;
  }
  const step = niceStep(max - min, count);
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let i = 0, v = lo; v <= hi + step * 1e-6 && i < 100; i++, v = lo + i * step) ticks.push(roundToStep(v, step));
  return { domain: { min: lo, max: hi }, ticks, step };
}

function roundToStep(v: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(v.toFixed(Math.min(decimals, 15)));
}

export function formatTick(v: number, step: number): string {
  if (v === 0) return '0';
  const abs = Math.abs(v);
  if (abs >= 1e5 || abs < 1e-3) return v.toExponential(0).replace('e+', 'e');
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(decimals);
}

export interface IndexedPoint {
  index: number;
  value: number;
}

/**
 * Keep at most ~maxPoints points: every point when the series is short, otherwise the first, the
 * last, and the min and max of each bucket in their original order, so drawdowns and peaks survive.
 */
export function downsample(values: readonly number[], maxPoints: number): IndexedPoint[] {
  const all = values.map((value, index) => ({ index, value }));
  if (values.length <= maxPoints || maxPoints < 4) return all;
  const buckets = Math.floor((maxPoints - 2) / 2);
  const inner = all.slice(1, -1);
  const out: IndexedPoint[] = [all[0]!];
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * inner.length) / buckets);
    const to = Math.floor(((b + 1) * inner.length) / buckets);
    let lo: IndexedPoint | undefined;
    let hi: IndexedPoint | undefined;
    for (let i = from; i < to; i++) {
      const p = inner[i]!;
      if (!Number.isFinite(p.value)) continue;
      if (!lo || p.value < lo.value) lo = p;
      if (!hi || p.value > hi.value) hi = p;
    }
    if (lo && hi) {
      if (lo === hi) out.push(lo);
      else out.push(...(lo.index < hi.index ? [lo, hi] : [hi, lo]));
    }
  }
  out.push(all[all.length - 1]!);
  return out;
}

/** SVG path data; a non-finite value breaks the line rather than dropping to the axis. */
export function pathData(points: readonly IndexedPoint[], x: (i: number) => number, y: (v: number) => number): string {
  const parts: string[] = [];
  let pen: 'M' | 'L' = 'M';
  for (const p of points) {
    if (!Number.isFinite(p.value)) {
      pen = 'M';
      continue;
    }
    parts.push(`${pen}${x(p.index).toFixed(1)},${y(p.value).toFixed(1)}`);
    pen = 'L';
  }
  return parts.join(' ');
}

/** Log scale pays off when a loss curve falls by more than an order and a half of magnitude. */
function wantsLog(extent: Extent | undefined, mode: LineChartOptions['yScale']): boolean {
  if (mode === 'log') return !!extent && extent.min > 0;
  if (mode !== 'auto' || !extent) return false;
  return extent.min > 0 && extent.max / extent.min > 30;
}

export function lineChart(options: LineChartOptions): string {
  const width = options.width ?? 320;
  const height = options.height ?? 160;
  const maxPoints = options.maxPoints ?? 240;
  const xStart = options.xStart ?? 0;
  const m = CHART_MARGIN;
  const plot = { left: m.left, right: width - m.right, top: m.top, bottom: height - m.bottom };

  const lengths = options.series.map((s) => s.values.length);
  const longest = Math.max(0, ...lengths);
  const rawExtent = finiteExtent(options.series.map((s) => s.values));
  const log = wantsLog(rawExtent, options.yScale);
  const attrs = Object.entries(options.attributes ?? {})
    .map(([k, v]) => ` ${escapeHtml(k)}="${escapeHtml(v)}"`)
    .join('');
  const open =
    `<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(options.title)}"` +
    ` data-y-scale="${log ? 'log' : 'linear'}"${attrs}><title>${escapeHtml(options.title)}</title>`;

  if (!rawExtent || longest === 0) {
    return (
      `${open}<rect class="plot-bg" x="${plot.left}" y="${plot.top}" width="${plot.right - plot.left}" height="${plot.bottom - plot.top}"/>` +
      `<text class="no-data" x="${(plot.left + plot.right) / 2}" y="${(plot.top + plot.bottom) / 2}" text-anchor="middle">no data</text></svg>`
    );
  }

  const toY = log ? Math.log10 : (v: number) => v;
  const withRef =
    options.referenceY !== undefined && Number.isFinite(options.referenceY) && (!log || options.referenceY > 0);
  const yExtent: Extent = {
    min: Math.min(toY(rawExtent.min), withRef ? toY(options.referenceY!) : Infinity),
    max: Math.max(toY(rawExtent.max), withRef ? toY(options.referenceY!) : -Infinity),
  };
  const yTicks = log ? logTicks(yExtent) : niceTicks(yExtent, 3);
  const yPixel = linearScale(yTicks.domain.min, yTicks.domain.max, plot.bottom, plot.top);
  const y = (v: number) => yPixel(toY(v));

  const xLast = Math.max(1, longest - 1);
  const x = linearScale(0, xLast, plot.left, plot.right);
  const xTicks = integerTicks(xStart, xStart + longest - 1);

  const grid: string[] = [];
  for (const t of yTicks.ticks) {
    const py = yPixel(t).toFixed(1);
    const label = log ? formatTick(10 ** t, 10 ** Math.floor(t)) : formatTick(t, yTicks.step);
    grid.push(`<line class="grid" x1="${plot.left}" x2="${plot.right}" y1="${py}" y2="${py}"/>`);
    grid.push(
      `<text class="tick" x="${plot.left - 5}" y="${py}" dy="0.32em" text-anchor="end">${escapeHtml(label)}</text>`,
    );
  }
  for (const t of xTicks) {
    const px = x(t - xStart).toFixed(1);
    grid.push(`<line class="tick-mark" x1="${px}" x2="${px}" y1="${plot.bottom}" y2="${plot.bottom + 4}"/>`);
    grid.push(`<text class="tick" x="${px}" y="${plot.bottom + 14}" text-anchor="middle">${t}</text>`);
  }
  const axes =
    `<line class="axis" x1="${plot.left}" x2="${plot.right}" y1="${plot.bottom}" y2="${plot.bottom}"/>` +
    `<line class="axis" x1="${plot.left}" x2="${plot.left}" y1="${plot.top}" y2="${plot.bottom}"/>` +
    `<text class="axis-label" x="${(plot.left + plot.right) / 2}" y="${height - 3}" text-anchor="middle">${escapeHtml(options.xLabel)}${log ? ' · log scale' : ''}</text>`;
  const reference = withRef
    ? `<line class="reference" x1="${plot.left}" x2="${plot.right}" y1="${y(options.referenceY!).toFixed(1)}" y2="${y(options.referenceY!).toFixed(1)}"/>`
    : '';

  const lines = options.series.map((s) => {
    const points = downsample(log ? s.values.map((v) => (v > 0 ? v : NaN)) : s.values, maxPoints);
    return (
      `<path class="series ${escapeHtml(s.className)}${s.dashed ? ' dashed' : ''}" data-series="${escapeHtml(s.name)}"` +
      ` data-points="${s.values.length}" d="${pathData(points, x, y)}"/>`
    );
  });

  return `${open}${grid.join('')}${axes}${reference}${lines.join('')}</svg>`;
}

/** Whole-number x ticks (epochs, bars), about five of them, always including both ends. */
export function integerTicks(first: number, last: number, count = 4): number[] {
  if (last <= first) return [first];
  const step = Math.max(1, Math.round(niceStep(last - first, count)));
  const ticks: number[] = [first];
  for (let v = Math.ceil((first + 1) / step) * step; v < last; v += step) {
    if (v - first >= step * 0.5 && last - v >= step * 0.5) ticks.push(v);
  }
  ticks.push(last);
  return ticks;
}

/** Decade ticks over a log10 extent, with the domain widened to whole decades. */
function logTicks(extent: Extent): Ticks {
  const lo = Math.floor(extent.min);
  const hi = Math.max(lo + 1, Math.ceil(extent.max));
  const ticks: number[] = [];
  for (let d = lo; d <= hi; d++) ticks.push(d);
  return { domain: { min: lo, max: hi }, ticks, step: 1 };
}
