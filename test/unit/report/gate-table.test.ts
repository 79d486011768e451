import { describe, expect, it } from 'vitest';
import type { GateDecision } from '../../../core/evaluation/gate-decision.js';
import { loadConfig } from '../../../core/config/index.js';
import { gateRowsFromVersions } from '../../../local/report/adapters.js';
import { GATE_METHODS, renderRunReport } from '../../../local/report/render.js';
import { sampleRunReportData } from '../../../local/report/sample-report-data.js';

const config = loadConfig({ env: {} });

const decision = (
  version: number,
  verdict: GateDecision['verdict'],
  reasons: string[],
  champion: GateDecision['champion'] = null,
): GateDecision => ({
  key: 'AAPL#1d',
  version,
  verdict,
  reasons,
  dm: { statistic: 2.1, pValue: 0.0183, adjustedPValue: 0.0732, samples: 410 },
  netSharpe: 0.42,
  naiveNetSharpe: 0.55,
  deflatedSharpe: { probability: 0.61, trials: 4, sharpeVariance: 0.03 },
  champion,
  folds: 5,
});

describe('report: the promotion gate table', () => {
  const champion = {
    version: 1,
    loss: 0.000151,
    candidateLoss: 0.000149,
    improvement: 0.0132,
    window: { from: '2019-01-02', to: '2020-04-17', samples: 80 },
  };
  const versions = [
    { key: 'AAPL#1d', version: 1 },
    {
      key: 'AAPL#1d',
      version: 2,
      gate: decision(2, 'promotable', ['all checks passed']),
      approval: {
        state: 'rejected' as const,
        requestedAt: '2026-01-01T00:00:00Z',
        decidedAt: '2026-01-01T01:00:00Z',
        who: 'quant-dan',
        why: 'turnover too high',
      },
    },
    {
      key: 'AAPL#1d',
      version: 3,
      gate: decision(
        3,
        'rejected',
        ['Diebold-Mariano p 0.0183 (Holm 0.0732) >= alpha 0.05', 'net Sharpe 0.42 <= naive net Sharpe 0.55'],
        champion,
      ),
    },
  ];

  it('maps gated versions to rows, newest first, with where each ended and any review', () => {
    const rows = gateRowsFromVersions(versions, {
      production: {
        version: 1,
        artifactUri: 's3://a/m',
        metadataUri: 's3://a/j',
        sha256: 'a'.repeat(64),
        since: '2026-01-01T00:00:00Z',
      },
    });
    expect(rows.map((r) => [r.version, r.verdict, r.outcome])).toEqual([
      [3, 'rejected', 'rejected'],
      [2, 'promotable', 'rejected'],
    ]);
    expect(rows[0]).toMatchObject({
      pValue: 0.0183,
      adjustedPValue: 0.0732,
      netSharpe: 0.42,
      naiveNetSharpe: 0.55,
      deflatedSharpeProbability: 0.61,
      champion: { version: 1, loss: 0.000151, candidateLoss: 0.000149 },
    });
    expect(rows[1]!.review).toBe('rejected by quant-dan: turnover too high');
  });

  it('renders config, verdict, p-value (Holm), net Sharpe vs naive, champion score on the same window and every reason, and names the methods', () => {
    const sample = sampleRunReportData({
      keys: ['AAPL#1d', 'MSFT#1d'],
      pricing: config.pricing,
      instanceType: config.training.instanceTypes[0]!,
    });
    const html = renderRunReport({ ...sample, gate: gateRowsFromVersions(versions) });
    expect(html).toContain('id="gate"');
    expect(html.match(/data-gate-key=/g)).toHaveLength(2);
    const row = html.slice(
      html.indexOf('data-gate-key="AAPL#1d" data-verdict="rejected"'),
      html.indexOf('</tr>', html.indexOf('data-verdict="rejected"')),
    );
    expect(row).toContain('0.0183 <small>(0.0732)</small>');
    expect(row).toContain('class="num worse">0.42 <small>vs 0.55</small>');
    expect(row).toContain('0.000151 <small>v1 · candidate 0.000149</small>');
    expect(row).toContain(
      '<li>Diebold-Mariano p 0.0183 (Holm 0.0732) &gt;= alpha 0.05</li><li>net Sharpe 0.42 &lt;= naive net Sharpe 0.55</li>',
    );
    expect(html).toContain('review: rejected by quant-dan: turnover too high');
    for (const method of GATE_METHODS) expect(html).toContain(method.replace(/&/g, '&amp;').replace(/'/g, '&#39;'));
    expect(html).toContain('Diebold-Mariano');
    expect(html).toContain('Newey-West');
    expect(html).toContain('Harvey-Leybourne-Newbold');
    expect(html).toContain('Holm-Bonferroni');
    expect(html).toContain('Deflated Sharpe ratio (Bailey &amp; López de Prado, 2014)');
    expect(html).toMatch(/Passed the gate<\/div><div class="value">1 \/ 2</);
  });

  it('says so when no candidate reached the gate', () => {
    const sample = sampleRunReportData({
      keys: ['AAPL#1d'],
      pricing: config.pricing,
      instanceType: config.training.instanceTypes[0]!,
    });
    expect(renderRunReport({ ...sample, gate: [] })).toContain('No candidate reached the gate.');
  });
});
