import { describe, expect, it } from 'vitest';
import type { GateDecision } from '../../../core/evaluation/gate-decision.js';
import { summaryVerdicts, type SandboxOutcome } from '../../../local/sandbox/run-sandbox.js';
import { renderSummary } from '../../../local/sandbox/summary.js';

const decision = (
  key: string,
  verdict: GateDecision['verdict'],
  reasons: string[],
  dm: GateDecision['dm'],
): GateDecision => ({
  key,
  version: 2,
  verdict,
  reasons,
  dm,
  netSharpe: 0.8,
  naiveNetSharpe: 0.1,
  deflatedSharpe: null,
  champion: null,
  folds: 5,
});

describe('sandbox summary verdicts', () => {
  it('reports per config the gate verdict, p-values, whether it ended in production, and why not', () => {
    const dm = { statistic: 3, pValue: 0.001, adjustedPValue: 0.003, samples: 300 };
    const verdicts = summaryVerdicts(
      [
        decision('SPX#1d', 'promotable', ['all checks passed'], dm),
        decision(
          'AAPL#1d',
          'rejected',
          ['Diebold-Mariano p 0.4100 (Holm 0.8200) >= alpha 0.05', 'net Sharpe -0.20 <= naive 0.10'],
          { ...dm, pValue: 0.41, adjustedPValue: 0.82 },
        ),
        decision('SPX#1w', 'promotable', ['all checks passed'], dm),
        decision('AAPL#1w', 'rejected', ['predictions are constant'], null),
      ],
      [{ key: 'SPX#1d', version: 2 }],
      [{ key: 'SPX#1w', reason: 'rejected by quant-carol: not this week' }],
    );
    expect(verdicts).toEqual([
      {
        key: 'SPX#1d',
        version: 2,
        verdict: 'promotable',
        p_value: 0.001,
        adjusted_p_value: 0.003,
        promoted: true,
        reason: 'all checks passed',
      },
      {
        key: 'AAPL#1d',
        version: 2,
        verdict: 'rejected',
        p_value: 0.41,
        adjusted_p_value: 0.82,
        promoted: false,
        reason: 'Diebold-Mariano p 0.4100 (Holm 0.8200) >= alpha 0.05; net Sharpe -0.20 <= naive 0.10',
      },
      {
        key: 'SPX#1w',
        version: 2,
        verdict: 'promotable',
        p_value: 0.001,
        adjusted_p_value: 0.003,
        promoted: false,
        reason: 'rejected by quant-carol: not this week',
      },
      {
        key: 'AAPL#1w',
        version: 2,
        verdict: 'rejected',
        p_value: null,
        adjusted_p_value: null,
        promoted: false,
        reason: 'predictions are constant',
      },
    ]);
  });
});

describe('sandbox summary table', () => {
  it('lists each config that was not promoted with its p-values and reason, and says why nothing serves', () => {
    const verdicts = summaryVerdicts(
      [
        decision('AAPL#1d', 'rejected', ['Diebold-Mariano p 0.4100 (Holm 0.8200) >= alpha 0.05'], {
          statistic: 0.2,
          pValue: 0.41,
          adjustedPValue: 0.82,
          samples: 300,
        }),
      ],
      [],
      [],
    );
    const outcome = {
      runId: 'sbx-1',
      poisonSent: 2,
      configs: ['AAPL#1d'],
      promoted: [],
      serving: [],
      timings: { train: 3 },
      ablations: [
        {
          key: 'AAPL#1d',
          samples: 300,
          withSentimentMse: 1e-4,
          withoutSentimentMse: 1.25e-4,
          dieboldMariano: { statistic: 3, pValue: 0.0012 },
        },
      ],
      summary: {
        ok: true,
        scenario: 'noise',
        seed: 7,
        events_ingested: 10,
        lake_objects: 1,
        dlq_records: 2,
        configs_trained: 1,
        dp_configs: 0,
        sentiment_ablation: { configs: 1, better_with: 1, significant: 1, significant_without: 0 },
        models_promoted: 0,
        models_rejected: 1,
        execution_status: 'SUCCEEDED',
        duration_s: 4,
        api_url: '',
        verdicts,
      },
    } as unknown as SandboxOutcome;
    const text = renderSummary(outcome);
    expect(text).toMatch(/scenario\s+noise \(seed 7\)/);
    expect(text).toMatch(
      /not promoted AAPL#1d v2\s+rejected, DM p 0\.4100 \(Holm 0\.8200\): Diebold-Mariano p 0\.4100 \(Holm 0\.8200\) >= alpha 0\.05/,
    );
    expect(text).toContain('No model is serving: the gate found no out-of-sample edge in the noise scenario');
    expect(text).toContain('npm start -- --scenario signal');
    expect(text).toMatch(
      /sentiment ablation\s+better with sentiment in 1 of 1 configs; significantly better with it in 1, without it in 0/,
    );
    expect(text).toMatch(
      /AAPL#1d\s+MSE 1\.000e-4 with vs 1\.250e-4 without \(20\.0% lower\), DM p 0\.0012, 300 samples/,
    );
  });
});
