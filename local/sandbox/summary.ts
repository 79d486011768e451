import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxOutcome } from './run-sandbox.js';
import { ABLATION_ALPHA } from './trained-configs.js';

function table(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n');
}

/** The sentiment ablation: the count, and each config's comparison while there are few enough to list. */
function ablationRows(outcome: SandboxOutcome): [string, string][] {
  const a = outcome.summary.sentiment_ablation;
  if (a.configs === 0) return [['sentiment ablation', 'none (no config trained with sentiment features)']];
  const rows: [string, string][] = [
    [
      'sentiment ablation',
      `better with sentiment in ${a.better_with} of ${a.configs} configs; significantly better with it in ` +
        `${a.significant}, without it in ${a.significant_without} (DM, ${ABLATION_ALPHA} each way; out-of-sample ` +
        'MSE, same folds; training noise alone makes both counts exceed chance)',
    ],
  ];
  if (outcome.ablations.length > 8) return rows;
  return rows.concat(
    outcome.ablations.map((x): [string, string] => {
      const change = (x.withSentimentMse / x.withoutSentimentMse - 1) * 100;
      return [
        `  ${x.key}`,
        `MSE ${x.withSentimentMse.toExponential(3)} with vs ${x.withoutSentimentMse.toExponential(3)} without ` +
          `(${Math.abs(change).toFixed(1)}% ${change <= 0 ? 'lower' : 'higher'}), ` +
          `DM p ${x.dieboldMariano.pValue.toFixed(4)}, ${x.samples} samples`,
      ];
    }),
  );
}

/** The human summary printed at the end of a run: figures, stage times, the report and a request to try. */
/** `requestFileDir` set: the API keeps serving, so print a request (its body saved there) to try. */
export function renderSummary(outcome: SandboxOutcome, requestFileDir?: string): string {
  const s = outcome.summary;
  const rows: [string, string][] = [
    ['run', outcome.runId],
    ['scenario', `${s.scenario} (seed ${s.seed})`],
    ['result', s.ok ? 'OK' : `FAILED${outcome.error ? `: ${outcome.error}` : ''}`],
    ['events ingested', String(s.events_ingested)],
    ['lake objects', String(s.lake_objects)],
    ['dead letters', `${s.dlq_records} (poison records sent: ${outcome.poisonSent})`],
    [
      'quarantined',
      `${s.quarantined} (implausible records sent: ${outcome.implausibleSent}; npm run lake -- quarantine list)`,
    ],
    ['configs trained', `${s.configs_trained} of ${outcome.configs.length} (${s.dp_configs} data-parallel)`],
    ...ablationRows(outcome),
    ['retrain execution', s.execution_status],
    ['models promoted', outcome.promoted.map((p) => `${p.key} v${p.version}`).join(', ') || '0'],
    ...s.verdicts
      .filter((v) => !v.promoted)
      .map((v): [string, string] => [
        `not promoted ${v.key} v${v.version}`,
        `${v.verdict}${v.adjusted_p_value === null ? '' : `, DM p ${v.p_value?.toFixed(4)} (Holm ${v.adjusted_p_value.toFixed(4)})`}: ${v.reason}`,
      ]),
    ['serving (production)', outcome.serving.map((p) => `${p.key} v${p.version}`).join(', ') || 'none'],
    [
      'duration',
      `${s.duration_s} s (${Object.entries(outcome.timings)
        .map(([k, v]) => `${k} ${v.toFixed(1)}`)
        .join(', ')})`,
    ],
  ];
  const lines = ['', 'SignalForge sandbox summary', table(rows), ''];
  if (outcome.reportUrl)
    lines.push(
      `Run report:  ${outcome.reportUrl}`,
      `             (also ${outcome.reportS3Uri} and ${outcome.reportFile})`,
    );
  if (s.ok && outcome.serving.length === 0) {
    lines.push(
      '',
      `No model is serving: the gate found no out-of-sample edge in ${s.scenario === 'default' ? "today's data" : `the ${s.scenario} scenario`} (reasons above and in the report's gate table).`,
    );
    if (s.scenario !== 'signal')
      lines.push('`npm start -- --scenario signal` replays series with a planted, learnable signal.');
  }
  if (outcome.example && s.api_url && requestFileDir) {
    const what = `${outcome.example.key}, ${outcome.example.body.bars.length} ${outcome.example.synthetic ? 'replayed synthetic' : 'real (vega-datasets S&P 500)'} bars from the lake`;
    const file = join(requestFileDir, 'predict-request.json');
    writeFileSync(file, JSON.stringify(outcome.example.body));
    const [symbol, timeframe] = outcome.example.key.split('#');
    const short = JSON.stringify({ symbol, timeframe });
    lines.push(
      '',
      `Try a prediction from the bars the pipeline landed (the online store):`,
      `  curl -s -X POST ${s.api_url}/v1/predict -H 'content-type: application/json' -d '${short}'`,
      `  curl -s -X POST ${s.api_url}/v1/predict/batch -H 'content-type: application/json' -d '{"requests":[${short}]}'`,
      `or send the bars yourself (${what}):`,
      `  curl -s -X POST ${s.api_url}/v1/predict -H 'content-type: application/json' -d @${file}`,
      `  curl -s ${s.api_url}/health`,
      `  curl -s ${s.api_url}/openapi.json`,
    );
  }
  return `${lines.join('\n')}\n`;
}
