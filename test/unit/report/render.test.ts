import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { loadConfig } from '../../../core/config/index.js';
import { estimateCost } from '../../../local/report/cost.js';
import { renderRunReport, writeRunReport } from '../../../local/report/render.js';
import { parseRunReportData, type RunReportInput } from '../../../local/report/report-data.js';

const config = loadConfig({ env: {} });

function baseInput(overrides: Partial<RunReportInput> = {}): RunReportInput {
  return {
    runId: 'run-42',
    startedAt: '2025-03-02T02:00:00.000Z',
    durationSeconds: 421,
    stages: [
      { name: 'replay', durationSeconds: 30 },
      { name: 'train', durationSeconds: 360 },
      { name: 'promote', durationSeconds: 31 },
    ],
    ingest: {
      eventsIngested: 12345,
      lakeObjects: 88,
      deadLetters: [
        { reason: 'schema-validation', count: 4 },
        { reason: 'malformed-json', count: 2 },
      ],
    },
    models: [
      {
        key: 'AAPL#1d',
        modelType: 'lstm',
        trainLoss: [1, 0.8, 0.6, 0.5, 0.45, 0.42, 0.41],
        valLoss: [1.1, 0.9, 0.7, 0.62, 0.6, 0.59, 0.6],
        equity: [1, 1.01, 1.03, 1.02, 1.05],
        baselineEquity: [1, 0.99, 1.0, 1.01, 1.0],
        metrics: {
          valMse: 0.0004,
          directionalAccuracy: 0.53,
          sharpe: 1.2,
          maxDrawdown: 0.04,
          baselineSharpe: 0.1,
          baselineValMse: 0.0005,
        },
      },
      {
        key: 'MSFT#1h',
        modelType: 'gru',
        trainLoss: [0.9, 0.7, 0.65],
        valLoss: [0.95, 0.8, 0.75],
        equity: [1, 0.98, 0.97],
        baselineEquity: [1, 1.02, 1.03],
        metrics: { valMse: 0.0006, directionalAccuracy: 0.49, sharpe: -0.4, maxDrawdown: 0.03, baselineSharpe: 0.8 },
      },
    ],
    registry: [
      { key: 'AAPL#1d', version: 'v0003', alias: 'production', metrics: { valMse: 0.0004, sharpe: 1.2 } },
      { key: 'AAPL#1d', version: 'v0002', alias: null, metrics: { valMse: 0.0007, sharpe: 0.2 } },
      {
        key: 'MSFT#1h',
        version: 'v0001',
        alias: 'canary',
        canaryWeight: 0.1,
        metrics: { valMse: 0.0006, sharpe: -0.4 },
      },
    ],
    stateMachine: {
      executionName: 'manual-1',
      status: 'SUCCEEDED',
      visits: [
        {
          name: 'BuildManifest',
          status: 'succeeded',
          type: 'Task',
          enteredAt: '2025-03-02T02:01:00Z',
          exitedAt: '2025-03-02T02:01:04Z',
        },
        {
          name: 'Train',
          status: 'succeeded',
          type: 'Task',
          enteredAt: '2025-03-02T02:01:04Z',
          exitedAt: '2025-03-02T02:07:04Z',
        },
        {
          name: 'Promote',
          status: 'succeeded',
          type: 'Task',
          enteredAt: '2025-03-02T02:07:04Z',
          exitedAt: '2025-03-02T02:07:05Z',
        },
      ],
    },
    cost: estimateCost({ pricing: config.pricing, instanceType: config.training.instanceTypes[0]!, seconds: 360 }),
    ...overrides,
  };
}

/** The <svg> element of one chart. */
function chartOf(html: string, kind: string, key: string): string {
  const start = html.indexOf(`data-chart="${kind}" data-config="${key}"`);
  expect(start, `${kind} chart of ${key}`).toBeGreaterThan(-1);
  return html.slice(html.lastIndexOf('<svg', start), html.indexOf('</svg>', start) + 6);
}

function pointCount(svg: string, series: string): number {
  const d = new RegExp(`data-series="${series}"[^>]* d="([^"]*)"`).exec(svg)?.[1] ?? '';
  return (d.match(/[ML]/g) ?? []).length;
}

describe('renderRunReport', () => {
  it('renders every section with the data in it', () => {
    const input = baseInput();
    const html = renderRunReport(input);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    for (const id of ['summary', 'pipeline', 'state-machine', 'registry', 'cost', 'models']) {
      expect(html, id).toContain(`id="${id}"`);
    }
    expect(html).toContain('run-42');
    expect(html).toContain('12,345');
    expect(html).toContain('schema-validation');
    // Summary: 6 dead letters over 2 reasons; one production alias; one of two configs beats its baseline.
    expect(html).toMatch(/Dead letters<\/div><div class="value">6</);
    expect(html).toMatch(/In production<\/div><div class="value">1</);
    expect(html).toMatch(/Beat baseline<\/div><div class="value">1 \/ 2</);
    // Registry: one row per item, aliases as badges, the canary with its weight.
    expect(html.match(/data-registry-key=/g)).toHaveLength(input.registry.length);
    expect(html).toContain('>production</span>');
    expect(html).toContain('>canary 10%</span>');
    // Stage bars are proportional to duration.
    expect(html).toContain(`width:${((360 / 421) * 100).toFixed(2)}%`);
  });

  it('lists the state machine path in order with each state duration', () => {
    const html = renderRunReport(baseInput());
    const names = [...html.matchAll(/data-state="([^"]+)"/g)].map((m) => m[1]);
    expect(names).toEqual(['BuildManifest', 'Train', 'Promote']);
    expect(html).toContain('Task · 6m 00s');
    expect(html.match(/class="arrow"/g)).toHaveLength(2);
  });

  it('shows the cost estimate priced from config', () => {
    const html = renderRunReport(baseInput());
    const spot = config.pricing.spotPerHour[config.training.instanceTypes[0]!]!;
    const onDemand = config.pricing.onDemandPerHour[config.training.instanceTypes[0]!]!;
    expect(html).toContain(`data-cost="spot">$${(spot * 0.1).toFixed(2)}<`);
    expect(html).toContain(`data-cost="on-demand">$${(onDemand * 0.1).toFixed(2)}<`);
    expect(html).toContain(`$${spot.toFixed(2)} / hour`);
    expect(html).toContain(config.training.instanceTypes[0]!);
  });

  it('draws a loss and an equity chart per config with one point per value', () => {
    const input = baseInput();
    const html = renderRunReport(input);
    expect(html.match(/data-chart="loss"/g)).toHaveLength(input.models.length);
    expect(html.match(/data-chart="equity"/g)).toHaveLength(input.models.length);
    for (const model of input.models) {
      const loss = chartOf(html, 'loss', model.key);
      expect(pointCount(loss, 'train')).toBe(model.trainLoss.length);
      expect(pointCount(loss, 'validation')).toBe(model.valLoss.length);
      const equity = chartOf(html, 'equity', model.key);
      expect(pointCount(equity, 'strategy')).toBe(model.equity.length);
      expect(pointCount(equity, 'baseline')).toBe(model.baselineEquity.length);
    }
  });

  it('escapes every piece of text that comes from data', () => {
    const evil = '<script>alert("x")</script>';
    const input = baseInput({
      runId: `run-${evil}`,
      environment: `env ${evil}`,
      stages: [{ name: `stage ${evil}`, durationSeconds: 1 }],
      ingest: {
        eventsIngested: 1,
        lakeObjects: 1,
        deadLetters: [{ reason: `"><img src=x onerror=alert(1)>`, count: 1 }],
        byTopic: [{ topic: `t&${evil}`, events: 1 }],
      },
    });
    const base = baseInput();
    input.models = base.models.map((m) => ({ ...m, key: `${m.key}<i>'`, modelType: `lstm${evil}` }));
    input.registry = [{ key: `K${evil}`, version: `v"${evil}`, alias: 'production', metrics: { [`m${evil}`]: 1 } }];
    input.stateMachine = {
      status: 'FAILED',
      executionName: evil,
      visits: [{ name: `S${evil}`, status: 'failed', enteredAt: '2025-03-02T02:00:00Z', detail: evil }],
    };
    const html = renderRunReport(input);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toContain('<img');
    expect(html).not.toContain("<i>'");
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('AAPL#1d&lt;i&gt;&#39;');
  });

  it('is self-contained: no scripts, no external URLs, a restrictive content security policy', () => {
    const html = renderRunReport(baseInput());
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html).toContain(`content="default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;; img-src data:"`);
  });

  it('renders empty runs with placeholders rather than failing', () => {
    const html = renderRunReport(
      baseInput({
        models: [],
        registry: [],
        stages: [],
        stateMachine: { status: 'FAILED', visits: [] },
        ingest: { eventsIngested: 0, lakeObjects: 0, deadLetters: [] },
      }),
    );
    expect(html).toContain('No configs were trained.');
    expect(html).toContain('No versions registered.');
    expect(html).toContain('The execution visited no states.');
    expect(html).toContain('No dead letters.');
    expect(html).not.toContain('<svg');
  });

  it('rejects malformed data naming the field', () => {
    const bad = { ...baseInput(), runId: '' };
    expect(() => renderRunReport(bad)).toThrow(ZodError);
    try {
      parseRunReportData({ ...baseInput(), startedAt: 'yesterday' });
      expect.unreachable();
    } catch (err) {
      expect((err as ZodError).issues.map((i) => i.path.join('.'))).toContain('startedAt');
    }
  });
});

describe('writeRunReport', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('writes report.html and the validated data into a new folder', async () => {
    const root = await mkdtemp(join(tmpdir(), 'signalforge-report-unit-'));
    dirs.push(root);
    const input = baseInput();
    const file = await writeRunReport(join(root, 'runs', 'run-42'), input);
    expect(file).toBe(join(root, 'runs', 'run-42', 'report.html'));
    expect(await readFile(file, 'utf8')).toBe(renderRunReport(input));
    const saved = JSON.parse(await readFile(join(root, 'runs', 'run-42', 'report-data.json'), 'utf8'));
    expect(saved).toEqual(parseRunReportData(input));
    expect(saved.status).toBe('succeeded');
  });
});
