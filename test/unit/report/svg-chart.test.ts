import { describe, expect, it } from 'vitest';
import {
  CHART_MARGIN,
  downsample,
  integerTicks,
  lineChart,
  niceTicks,
  pathData,
} from '../../../local/report/svg-chart.js';

/** [x, y] pairs of every command in the first path whose data-series is `series`. */
function pathPoints(svg: string, series: string): [number, number][] {
  const match = new RegExp(`data-series="${series}"[^>]* d="([^"]*)"`).exec(svg);
  if (!match) throw new Error(`no path for ${series}`);
  return [...match[1]!.matchAll(/[ML](-?[\d.]+),(-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
}

function seeded(n: number, seed = 3): number[] {
  let s = seed;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    out.push(100 + (s / 2 ** 31 - 0.5) * 40 + i * 0.01);
  }
  return out;
}

describe('lineChart', () => {
  const width = 300;
  const height = 150;
  const plot = {
    left: CHART_MARGIN.left,
    right: width - CHART_MARGIN.right,
    top: CHART_MARGIN.top,
    bottom: height - CHART_MARGIN.bottom,
  };

  it('draws one point per value, spanning the plot from first to last index', () => {
    const train = [2, 4, 6, 8, 10, 9, 7];
    const svg = lineChart({
      title: 't',
      series: [{ name: 'train', values: train, className: 'c-train' }],
      xLabel: 'epoch',
      width,
      height,
    });
    const points = pathPoints(svg, 'train');
    expect(points).toHaveLength(train.length);
    expect(svg).toContain(`data-points="${train.length}"`);
    expect(points[0]![0]).toBeCloseTo(plot.left, 1);
    expect(points.at(-1)![0]).toBeCloseTo(plot.right, 1);
    const xs = points.map(([x]) => x);
    expect([...xs].sort((a, b) => a - b)).toEqual(xs);
  });

  it('scales the y axis so the maximum is at the top and the minimum at the bottom when they are round numbers', () => {
    const values = [2, 4, 10, 6, 8];
    const svg = lineChart({ title: 't', series: [{ name: 's', values, className: 'c' }], xLabel: 'x', width, height });
    const ys = pathPoints(svg, 's').map(([, y]) => y);
    expect(ys[values.indexOf(10)]).toBeCloseTo(plot.top, 1);
    expect(ys[values.indexOf(2)]).toBeCloseTo(plot.bottom, 1);
    // Larger values are drawn higher (smaller y), in proportion.
    const mid = ys[values.indexOf(6)]!;
    expect(mid).toBeCloseTo((plot.top + plot.bottom) / 2, 1);
  });

  it('shares one y scale between series and keeps every point inside the plot', () => {
    const a = seeded(50, 1);
    const b = a.map((v) => v * 1.3);
    const svg = lineChart({
      title: 't',
      series: [
        { name: 'a', values: a, className: 'c' },
        { name: 'b', values: b, className: 'c' },
      ],
      xLabel: 'x',
      width,
      height,
    });
    const all = [...pathPoints(svg, 'a'), ...pathPoints(svg, 'b')];
    for (const [x, y] of all) {
      expect(x).toBeGreaterThanOrEqual(plot.left - 0.05);
      expect(x).toBeLessThanOrEqual(plot.right + 0.05);
      expect(y).toBeGreaterThanOrEqual(plot.top - 0.05);
      expect(y).toBeLessThanOrEqual(plot.bottom + 0.05);
    }
    // b is everywhere above a, so it is drawn higher at every index.
    const pa = pathPoints(svg, 'a');
    const pb = pathPoints(svg, 'b');
    for (const [i, [, y]] of pa.entries()) expect(pb[i]![1]).toBeLessThan(y);
  });

  it('switches to a log scale for a steeply falling loss and labels it', () => {
    const loss = [10, 3, 1, 0.3, 0.1, 0.05];
    const svg = lineChart({
      title: 't',
      series: [{ name: 'l', values: loss, className: 'c' }],
      xLabel: 'epoch',
      yScale: 'auto',
      width,
      height,
    });
    expect(svg).toContain('data-y-scale="log"');
    expect(svg).toContain('log scale');
    const ys = pathPoints(svg, 'l').map(([, y]) => y);
    // Equal ratios become equal steps: 10 -> 1 spans the same height as 1 -> 0.1.
    expect(ys[2]! - ys[0]!).toBeCloseTo(ys[4]! - ys[2]!, 0);
    const flat = lineChart({
      title: 't',
      series: [{ name: 'l', values: [1, 0.9, 0.8], className: 'c' }],
      xLabel: 'epoch',
      yScale: 'auto',
    });
    expect(flat).toContain('data-y-scale="linear"');
  });

  it('thins long series but keeps the first, last, lowest and highest points', () => {
    const values = seeded(5000);
    const svg = lineChart({
      title: 't',
      series: [{ name: 'e', values, className: 'c' }],
      xLabel: 'bar',
      maxPoints: 200,
      width,
      height,
    });
    const points = pathPoints(svg, 'e');
    expect(points.length).toBeLessThanOrEqual(200);
    expect(points.length).toBeGreaterThan(150);
    expect(svg).toContain('data-points="5000"');
    const ys = points.map(([, y]) => y);
    expect(Math.min(...ys)).toBeCloseTo(
      Math.min(
        ...pathPoints(
          lineChart({
            title: 't',
            series: [{ name: 'e', values, className: 'c' }],
            xLabel: 'bar',
            maxPoints: 10_000,
            width,
            height,
          }),
          'e',
        ).map(([, y]) => y),
      ),
      1,
    );
  });

  it('escapes the title and attributes and draws a placeholder when there is no data', () => {
    const svg = lineChart({
      title: '<b>"x"</b>',
      series: [{ name: 'e', values: [], className: 'c' }],
      xLabel: 'x',
      attributes: { 'data-config': 'A"B' },
    });
    expect(svg).not.toContain('<b>');
    expect(svg).toContain('&lt;b&gt;&quot;x&quot;&lt;/b&gt;');
    expect(svg).toContain('data-config="A&quot;B"');
    expect(svg).toContain('no data');
  });

  it('draws the reference line at its value', () => {
    const svg = lineChart({
      title: 't',
      series: [{ name: 'e', values: [0, 1, 2], className: 'c' }],
      xLabel: 'x',
      referenceY: 1,
      width,
      height,
    });
    const ref = /class="reference"[^>]*y1="([\d.]+)"/.exec(svg);
    expect(Number(ref![1])).toBeCloseTo((plot.top + plot.bottom) / 2, 1);
  });
});

describe('chart geometry helpers', () => {
  it('downsample keeps order, both ends and the extremes', () => {
    const values = seeded(1000, 9);
    const kept = downsample(values, 100);
    expect(kept.length).toBeLessThanOrEqual(100);
    expect(kept[0]!.index).toBe(0);
    expect(kept.at(-1)!.index).toBe(999);
    const indices = kept.map((p) => p.index);
    expect([...indices].sort((a, b) => a - b)).toEqual(indices);
    expect(indices).toContain(values.indexOf(Math.max(...values)));
    expect(indices).toContain(values.indexOf(Math.min(...values)));
    expect(downsample([1, 2, 3], 100)).toHaveLength(3);
  });

  it('pathData breaks the line at non-finite values', () => {
    const d = pathData(
      [0, 1, NaN, 3].map((value, index) => ({ index, value })),
      (i) => i * 10,
      (v) => v,
    );
    expect(d).toBe('M0.0,0.0 L10.0,1.0 M30.0,3.0');
  });

  it('niceTicks covers the extent with round steps', () => {
    const t = niceTicks({ min: 0.37, max: 1.42 }, 4);
    expect(t.domain.min).toBeLessThanOrEqual(0.37);
    expect(t.domain.max).toBeGreaterThanOrEqual(1.42);
    expect([0.1, 0.2, 0.25, 0.5]).toContain(t.step);
    expect(t.ticks[0]).toBe(t.domain.min);
    expect(t.ticks.at(-1)).toBe(t.domain.max);
    const flat = niceTicks({ min: 5, max: 5 });
    expect(flat.domain.min).toBeLessThan(5);
    expect(flat.domain.max).toBeGreaterThan(5);
  });

  it('integerTicks always shows both ends', () => {
    expect(integerTicks(1, 20)).toEqual([1, 5, 10, 15, 20]);
    expect(integerTicks(0, 0)).toEqual([0]);
    const ticks = integerTicks(0, 259);
    expect(ticks[0]).toBe(0);
    expect(ticks.at(-1)).toBe(259);
  });
});
