import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  escapeHtml as esc,
  formatDuration,
  formatInteger,
  formatNumber,
  formatPercent,
  formatTimestamp,
  formatUsd,
  secondsBetween,
  slug,
} from './format.js';
import {
  parseRunReportData,
  type GateRow,
  type ModelReport,
  type RunReportData,
  type RunReportInput,
} from './report-data.js';
import { REPORT_CSS } from './styles.js';
import { lineChart } from './svg-chart.js';

/** The page loads nothing: no scripts at all, styles and images only inline. */
const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/** Metrics shown first, in this order, wherever metrics are listed. */
const METRIC_ORDER = ['valMse', 'directionalAccuracy', 'sharpe', 'baselineSharpe', 'maxDrawdown'] as const;
const METRIC_LABELS: Record<string, string> = {
  valMse: 'Val MSE',
  baselineValMse: 'Baseline MSE',
  directionalAccuracy: 'Dir. acc.',
  sharpe: 'Sharpe',
  baselineSharpe: 'Baseline Sharpe',
  maxDrawdown: 'Max DD',
};
const FRACTION_METRICS = new Set(['directionalAccuracy', 'maxDrawdown']);

function metricLabel(name: string): string {
  return METRIC_LABELS[name] ?? name.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());
}

function formatMetric(name: string, value: number | null | undefined): string {
  return FRACTION_METRICS.has(name) ? formatPercent(value) : formatNumber(value);
}

function median(values: number[]): number | undefined {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const last = (values: readonly number[]): number | undefined => values[values.length - 1];

function beatsBaseline(model: ModelReport): boolean {
  const { sharpe, baselineSharpe } = model.metrics;
  return sharpe !== null && baselineSharpe !== null && sharpe > baselineSharpe;
}

function pill(text: string, cls: string): string {
  return `<span class="pill ${esc(cls)}">${esc(text)}</span>`;
}

function card(label: string, value: string, hint = ''): string {
  return `<div class="card"><div class="label">${esc(label)}</div><div class="value">${esc(value)}</div>${
    hint ? `<div class="hint">${esc(hint)}</div>` : ''
  }</div>`;
}

function header(data: RunReportData): string {
  const sm = data.stateMachine;
  const nav = [
    ['summary', 'Summary'],
    ['pipeline', 'Pipeline'],
    ['state-machine', 'State machine'],
    ['gate', 'Gate'],
    ['registry', 'Registry'],
    ['cost', 'Cost'],
    ['models', `Models (${data.models.length})`],
  ]
    .map(([id, label]) => `<a href="#${id}">${esc(label)}</a>`)
    .join('');
  return `<header class="top"><div class="page">
<div class="brand">SignalForge · run report</div>
<h1>Run <code data-run-id>${esc(data.runId)}</code> ${pill(data.status, `s-${data.status}`)}</h1>
<div class="meta"><span>Started <b>${esc(formatTimestamp(data.startedAt))}</b></span>
<span>Duration <b>${esc(formatDuration(data.durationSeconds))}</b></span>
<span>Retrain execution <b>${esc(sm.status)}</b>${sm.executionName ? ` · <span class="mono">${esc(sm.executionName)}</span>` : ''}</span>
${data.environment ? `<span>${esc(data.environment)}</span>` : ''}</div>
<nav>${nav}</nav>
</div></header>`;
}

function summary(data: RunReportData): string {
  const deadLetters = data.ingest.deadLetters.reduce((n, d) => n + d.count, 0);
  const production = data.registry.filter((r) => r.alias === 'production').length;
  const canary = data.registry.filter((r) => r.alias === 'canary').length;
  const beat = data.models.filter(beatsBaseline).length;
  const sharpe = median(data.models.map((m) => m.metrics.sharpe ?? NaN));
  const cards = [
    card('Events ingested', formatInteger(data.ingest.eventsIngested)),
    card('Lake objects', formatInteger(data.ingest.lakeObjects)),
    card('Dead letters', formatInteger(deadLetters), `${data.ingest.deadLetters.length} reason(s)`),
    card(
      'Quarantined',
      formatInteger(data.ingest.quarantine.reduce((n, d) => n + d.count, 0)),
      `${data.ingest.quarantine.length} rule(s)`,
    ),
    card('Configs trained', formatInteger(data.models.length)),
    card(
      'Passed the gate',
      `${data.gate.filter((g) => g.verdict === 'promotable').length} / ${data.gate.length}`,
      'DM (Holm), net Sharpe, deflated Sharpe, champion',
    ),
    card('In production', formatInteger(production), canary ? `${canary} canary` : 'no canary'),
    card('Beat baseline', `${beat} / ${data.models.length}`, 'Sharpe above naive baseline'),
    card('Median Sharpe', formatNumber(sharpe ?? null, 2)),
    card('Spot cost (AWS)', formatUsd(data.cost.spotUsd), `${data.cost.instanceType}: ${data.cost.source}`),
  ];
  return `<section id="summary"><div class="cards">${cards.join('')}</div></section>`;
}

function pipeline(data: RunReportData): string {
  const total = data.stages.reduce((n, s) => n + s.durationSeconds, 0);
  let offset = 0;
  const rows = data.stages
    .map((stage) => {
      const left = total > 0 ? (offset / total) * 100 : 0;
      const width = total > 0 ? (stage.durationSeconds / total) * 100 : 0;
      offset += stage.durationSeconds;
      return `<div class="name">${esc(stage.name)}</div><div class="track" title="${esc(stage.status)}"><div class="bar ${esc(stage.status)}" style="left:${left.toFixed(2)}%;width:${width.toFixed(2)}%"></div></div><div class="dur">${esc(formatDuration(stage.durationSeconds))}</div>`;
    })
    .join('');
  const stages = data.stages.length
    ? `<div class="stages" data-stages="${data.stages.length}">${rows}</div>`
    : '<p class="empty">No stage timings recorded.</p>';

  const maxDead = Math.max(1, ...data.ingest.deadLetters.map((d) => d.count));
  const deadRows = data.ingest.deadLetters
    .map(
      (d) =>
        `<tr><td>${esc(d.reason)}</td><td class="num">${formatInteger(d.count)}</td><td><span class="hbar" style="width:${((d.count / maxDead) * 120).toFixed(0)}px"></span></td></tr>`,
    )
    .join('');
  const topicRows = data.ingest.byTopic
    .map((t) => `<tr><td><code>${esc(t.topic)}</code></td><td class="num">${formatInteger(t.events)}</td></tr>`)
    .join('');
  const deadTotal = data.ingest.deadLetters.reduce((n, d) => n + d.count, 0);
  const quarantineTotal = data.ingest.quarantine.reduce((n, d) => n + d.count, 0);
  const quarantineRows = data.ingest.quarantine
    .map((d) => `<tr><td>${esc(d.reason)}</td><td class="num">${formatInteger(d.count)}</td></tr>`)
    .join('');
  return `<section id="pipeline"><div class="two">
<div class="panel"><h2>Pipeline stages</h2><p class="sub">Wall-clock time per sandbox stage, ${esc(formatDuration(total))} in all.</p>${stages}</div>
<div class="panel"><h2>Ingest</h2><p class="sub">Kafka → sink handlers → S3 lake; malformed records go to the dead-letter prefix, implausible ones to quarantine.</p>
<div class="figures"><div class="figure"><div class="value">${formatInteger(data.ingest.eventsIngested)}</div><div class="label">events ingested</div></div>
<div class="figure"><div class="value">${formatInteger(data.ingest.lakeObjects)}</div><div class="label">lake objects</div></div>
<div class="figure"><div class="value">${formatInteger(deadTotal)}</div><div class="label">dead letters</div></div>
<div class="figure"><div class="value">${formatInteger(quarantineTotal)}</div><div class="label">quarantined</div></div></div>
${topicRows ? `<table><thead><tr><th>Topic</th><th class="num">Events</th></tr></thead><tbody>${topicRows}</tbody></table>` : ''}
${quarantineRows ? `<table data-quarantine><thead><tr><th>Quarantine rule</th><th class="num">Records</th></tr></thead><tbody>${quarantineRows}</tbody></table>` : '<p class="empty">Nothing quarantined.</p>'}
${deadRows ? `<table data-dead-letters><thead><tr><th>Dead-letter reason</th><th class="num">Records</th><th></th></tr></thead><tbody>${deadRows}</tbody></table>` : '<p class="empty">No dead letters.</p>'}
</div></div></section>`;
}

function stateMachinePath(data: RunReportData): string {
  const sm = data.stateMachine;
  const steps = sm.visits
    .map((visit, i) => {
      const seconds = secondsBetween(visit.enteredAt, visit.exitedAt);
      const info = [visit.type, seconds === undefined ? undefined : formatDuration(seconds)]
        .filter(Boolean)
        .join(' · ');
      return `<li>${i > 0 ? '<span class="arrow" aria-hidden="true"></span>' : ''}<div class="step ${esc(visit.status)}" data-state="${esc(visit.name)}" title="entered ${esc(formatTimestamp(visit.enteredAt))}">
<div class="n">${i + 1}</div><div class="title">${esc(visit.name)}</div>
<div class="info">${pill(visit.status, `s-${visit.status}`)} ${esc(info)}</div>${visit.detail ? `<div class="detail">${esc(visit.detail)}</div>` : ''}</div></li>`;
    })
    .join('');
  return `<section id="state-machine"><div class="panel"><h2>State machine path</h2>
<p class="sub">States the retrain execution visited, in order. Execution ${pill(sm.status, `s-${sm.status.toLowerCase()}`)}${
    sm.executionName ? ` <span class="mono">${esc(sm.executionName)}</span>` : ''
  }</p>
${steps ? `<ol class="flow">${steps}</ol>` : '<p class="empty">The execution visited no states.</p>'}</div></section>`;
}

/** The statistics behind the gate, named so a reader can look each one up. */
export const GATE_METHODS = [
  'Diebold-Mariano test of squared-error loss, model vs the naive forecast (next return = 0), one-sided, on the pooled walk-forward out-of-sample predictions; Newey-West long-run variance, Harvey-Leybourne-Newbold small-sample correction, Student t',
  "Holm-Bonferroni adjustment of the p-values across the run's configs (family-wise error)",
  "Deflated Sharpe ratio (Bailey & López de Prado, 2014) over the config's search trials and the variance of their Sharpe ratios",
  "Sign strategy backtest net of trading costs; champion (production) re-scored on the candidate's latest out-of-sample fold with the same features and costs",
] as const;

function gateRow(g: GateRow): string {
  const p =
    g.pValue === null ? '–' : `${formatNumber(g.pValue, 4)} <small>(${esc(formatNumber(g.adjustedPValue, 4))})</small>`;
  const sharpeCls = g.netSharpe > g.naiveNetSharpe ? 'better' : 'worse';
  const champion = g.champion
    ? `${esc(formatNumber(g.champion.loss, 6))} <small>v${esc(g.champion.version)} · candidate ${esc(formatNumber(g.champion.candidateLoss, 6))}</small>`
    : '<small>no production</small>';
  const reasons = `<ul class="reasons">${g.reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>${g.review ? `<div class="sub">review: ${esc(g.review)}</div>` : ''}`;
  return `<tr data-gate-key="${esc(g.key)}" data-verdict="${esc(g.verdict)}"><td><code>${esc(g.key)}</code></td><td class="mono">v${esc(g.version)}</td>
<td>${pill(g.verdict, g.verdict === 'promotable' ? 'v-pass' : 'v-fail')} <small>${esc(g.outcome)}</small></td><td class="num">${p}</td>
<td class="num ${sharpeCls}">${esc(formatNumber(g.netSharpe, 2))} <small>vs ${esc(formatNumber(g.naiveNetSharpe, 2))}</small></td><td class="num">${esc(formatNumber(g.deflatedSharpeProbability, 3))}</td>
<td class="num">${champion}</td><td>${reasons}</td></tr>`;
}

/** The canary/shadow bake: each verdict on realised outcomes with its test, p-value and sample sizes. */
function abTests(data: RunReportData): string {
  const rows = data.abTests
    .map(
      (
        a,
      ) => `<tr data-ab-key="${esc(a.key)}" data-verdict="${esc(a.verdict)}"><td><code>${esc(a.key)}</code></td><td class="mono">v${esc(a.version)}</td><td>${esc(a.mode)}</td>
<td>${pill(a.verdict, a.verdict === 'promote' ? 'v-pass' : 'v-fail')}</td><td>${esc(a.test)} <small>vs ${esc(a.benchmark)}</small></td><td class="num">${a.pValue === null ? '–' : esc(formatNumber(a.pValue, 4))}</td>
<td class="num">${esc(a.candidateSamples)} / ${esc(a.benchmarkSamples)}</td><td>${esc(a.reason)}</td></tr>`,
    )
    .join('');
  return `<section id="ab"><div class="panel"><h2>A/B on realised outcomes</h2><p class="sub">One-sided test of "the candidate's squared error is higher": Diebold-Mariano on request-paired losses (shadow, or the naive forecast when nothing serves), Welch's t on unpaired ones (canary split).</p>
${rows ? `<div class="scroll"><table data-ab><thead><tr><th>Config</th><th>Version</th><th>Mode</th><th>Verdict</th><th>Test</th><th class="num">p</th><th class="num">n candidate / benchmark</th><th>Reason</th></tr></thead><tbody>${rows}</tbody></table></div>` : '<p class="empty">No canary baked in this run.</p>'}</div></section>`;
}

function gate(data: RunReportData): string {
  const s = data.gateSettings;
  const thresholds = s
    ? `Promotable only when the Holm-adjusted p &lt; ${esc(s.alpha)}, net Sharpe beats the naive strategy's, the deflated Sharpe probability ≥ ${esc(s.minDeflatedSharpeProbability)}, predictions are not degenerate and, with a production version, the candidate beats it by ${esc(formatPercent(s.championMargin))} on the same window. ${esc(s.folds)} walk-forward folds, costs ${esc(s.costBps)} bps per unit of turnover, approval ${esc(s.approval)}.`
    : '';
  const rows = data.gate.map(gateRow).join('');
  return `<section id="gate"><div class="panel"><h2>Promotion gate</h2><p class="sub">${thresholds}</p>
<ul class="methods" data-methods>${GATE_METHODS.map((m) => `<li>${esc(m)}</li>`).join('')}</ul>
${rows ? `<div class="scroll"><table data-gate><thead><tr><th>Config</th><th>Version</th><th>Verdict</th><th class="num">DM p (Holm)</th><th class="num">Net Sharpe vs naive</th><th class="num">Deflated Sharpe P</th><th class="num">Champion loss, same window</th><th>Reasons</th></tr></thead><tbody>${rows}</tbody></table></div>` : '<p class="empty">No candidate reached the gate.</p>'}</div></section>`;
}

/** Metric columns: the known ones first, then whatever else the rows carry, capped to stay readable. */
function metricColumns(rows: readonly { metrics: Record<string, number | null> }[], cap = 7): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const name of Object.keys(row.metrics)) seen.add(name);
  const known = METRIC_ORDER.filter((m) => seen.has(m));
  const extra = [...seen].filter((m) => !(METRIC_ORDER as readonly string[]).includes(m)).sort();
  return [...known, ...extra].slice(0, cap);
}

function registry(data: RunReportData): string {
  const columns = metricColumns(data.registry, 4);
  const rows = data.registry
    .map((row) => {
      const alias =
        row.alias === null
          ? '<span class="a-none">–</span>'
          : pill(
              row.alias === 'canary' && row.canaryWeight !== undefined
                ? `canary ${formatPercent(row.canaryWeight, 0)}`
                : row.alias,
              `a-${row.alias}`,
            );
      const cells = columns.map((c) => `<td class="num">${esc(formatMetric(c, row.metrics[c]))}</td>`).join('');
      return `<tr data-registry-key="${esc(row.key)}"><td><code>${esc(row.key)}</code></td><td class="mono">${esc(row.version)}</td><td>${alias}</td>${cells}</tr>`;
    })
    .join('');
  const head = columns.map((c) => `<th class="num">${esc(metricLabel(c))}</th>`).join('');
  return `<div class="panel" id="registry"><h2>Model registry</h2><p class="sub">Versions registered in this run and the alias each one holds.</p>
${rows ? `<div class="scroll"><table data-registry><thead><tr><th>Config</th><th>Version</th><th>Alias</th>${head}</tr></thead><tbody>${rows}</tbody></table></div>` : '<p class="empty">No versions registered.</p>'}</div>`;
}

function cost(data: RunReportData): string {
  const c = data.cost;
  const saving = c.onDemandUsd > 0 ? 1 - c.spotUsd / c.onDemandUsd : undefined;
  return `<div class="panel" id="cost"><h2>Cost estimate</h2>
<p class="sub">The AWS equivalent of this run's training: ${c.instances > 1 ? `${c.instances} × ` : ''}<code>${esc(c.instanceType)}</code> for ${esc(formatDuration(c.hours * 3600))}, priced from <code>config.pricing</code>: <span data-cost-source>${esc(c.source)}</span>.</p>
<div class="cost"><div><div class="label sub">Spot</div><div class="big" data-cost="spot">${esc(formatUsd(c.spotUsd))}</div><div class="sub">$${esc(c.spotPerHour.toFixed(2))} / hour</div></div>
<div><div class="label sub">On-demand</div><div class="big" data-cost="on-demand">${esc(formatUsd(c.onDemandUsd))}</div><div class="sub">$${esc(c.onDemandPerHour.toFixed(2))} / hour</div></div></div>
<table><tbody><tr><td>Instance hours</td><td class="num">${esc((c.hours * c.instances).toFixed(3))} h</td></tr>
<tr><td>Spot saving vs on-demand</td><td class="num">${esc(formatPercent(saving ?? null, 0))}</td></tr></tbody></table></div>`;
}

function modelsTable(models: readonly ModelReport[]): string {
  const columns = metricColumns(models, 8);
  const head = columns.map((c) => `<th class="num">${esc(metricLabel(c))}</th>`).join('');
  const rows = models
    .map((m) => {
      const cls = beatsBaseline(m) ? 'better' : 'worse';
      const cells = columns
        .map((c) => `<td class="num${c === 'sharpe' ? ` ${cls}` : ''}">${esc(formatMetric(c, m.metrics[c]))}</td>`)
        .join('');
      return `<tr><td><a href="#model-${esc(slug(m.key))}"><code>${esc(m.key)}</code></a></td><td>${esc(m.modelType)}</td>${cells}<td class="num">${esc(formatNumber(last(m.equity), 3))}</td><td class="num">${esc(formatNumber(last(m.baselineEquity), 3))}</td></tr>`;
    })
    .join('');
  return `<div class="panel"><div class="scroll"><table data-models><thead><tr><th>Config</th><th>Model</th>${head}<th class="num">Final equity</th><th class="num">Baseline equity</th></tr></thead><tbody>${rows}</tbody></table></div></div>`;
}

function modelCard(m: ModelReport): string {
  const loss = lineChart({
    title: `${m.key} training and validation loss`,
    series: [
      { name: 'train', values: m.trainLoss, className: 'c-train' },
      { name: 'validation', values: m.valLoss, className: 'c-val' },
    ],
    xLabel: 'epoch',
    xStart: 1,
    yScale: 'auto',
    height: 150,
    attributes: { 'data-chart': 'loss', 'data-config': m.key },
  });
  const equity = lineChart({
    title: `${m.key} walk-forward equity against the naive baseline`,
    series: [
      { name: 'baseline', values: m.baselineEquity, className: 'c-baseline', dashed: true },
      { name: 'strategy', values: m.equity, className: 'c-equity' },
    ],
    xLabel: 'held-out bar',
    referenceY: 1,
    height: 150,
    attributes: { 'data-chart': 'equity', 'data-config': m.key },
  });
  const s = m.metrics;
  const sharpeCls = beatsBaseline(m) ? 'better' : 'worse';
  return `<article class="model" id="model-${esc(slug(m.key))}" data-config="${esc(m.key)}">
<h3><span>${esc(m.key)}</span><span class="type">${esc(m.modelType)}</span></h3>
<div class="stats"><div><span class="k">Sharpe</span><span class="v ${sharpeCls}">${esc(formatNumber(s.sharpe, 2))} <small>vs ${esc(formatNumber(s.baselineSharpe, 2))}</small></span></div>
<div><span class="k">Dir. acc.</span><span class="v">${esc(formatPercent(s.directionalAccuracy))}</span></div>
<div><span class="k">Val MSE</span><span class="v">${esc(formatNumber(s.valMse))}</span></div>
<div><span class="k">Max DD</span><span class="v">${esc(formatPercent(s.maxDrawdown))}</span></div></div>
<div class="chart-caption"><b>Loss</b><span><i class="swatch c-train"></i>train</span><span><i class="swatch c-val"></i>validation</span></div>${loss}
<div class="chart-caption"><b>Equity</b><span><i class="swatch c-equity"></i>strategy</span><span><i class="swatch dashed c-baseline"></i>baseline</span></div>${equity}
${sentimentAblation(m)}${leaderboard(m)}</article>`;
}

/** The same model without sentiment, on the same folds: did the news features earn their place? */
function sentimentAblation(m: ModelReport): string {
  const a = m.sentimentAblation;
  if (!a) return '';
  const change = a.withSentimentMse / a.withoutSentimentMse - 1;
  const cls = change < 0 && a.pValue < 0.05 ? 'better' : 'worse';
  const what = `${esc(a.label)}, ${a.samples} out-of-sample bars, same folds`;
  const withMse = `<span class="${cls}">${esc(formatNumber(a.withSentimentMse))}</span>`;
  const direction = `${esc(formatPercent(Math.abs(change)))} ${change <= 0 ? 'lower' : 'higher'}`;
  return `<p class="ablation" data-ablation="${esc(m.key)}"><b>Sentiment ablation</b> (${what}): MSE ${withMse} with \
sentiment vs ${esc(formatNumber(a.withoutSentimentMse))} without (${direction}), Diebold-Mariano p \
${esc(formatNumber(a.pValue, 4))}.</p>`;
}

/** The config's search, best first: every successive-halving rung's walk-forward fit and the ensemble. */
function leaderboard(m: ModelReport): string {
  if (m.leaderboard.length === 0) return '';
  const rows = m.leaderboard
    .map(
      (t, i) =>
        `<tr${t.selected ? ' class="better"' : ''}><td class="num">${i + 1}</td><td>${esc(t.label)}${t.selected ? ' <small>exported</small>' : ''}</td><td class="num">${esc(t.rung === null ? '–' : String(t.rung))}</td><td class="num">${esc(String(t.epochs))}</td><td class="num">${esc(formatNumber(t.oosMse, 6))}</td><td class="num">${esc(formatNumber(t.oosNetSharpe, 2))}</td></tr>`,
    )
    .join('');
  return `<details data-leaderboard="${esc(m.key)}"><summary>Search leaderboard (${m.leaderboard.length} trials, out of sample)</summary><table><thead><tr><th class="num">#</th><th>Trial</th><th class="num">Rung</th><th class="num">Epochs</th><th class="num">OOS MSE</th><th class="num">Net Sharpe</th></tr></thead><tbody>${rows}</tbody></table></details>`;
}

function models(data: RunReportData): string {
  const legend = `<div class="legend"><span><i class="swatch c-train"></i>training loss</span><span><i class="swatch c-val"></i>validation loss</span>
<span><i class="swatch c-equity"></i>sign strategy equity</span><span><i class="swatch dashed c-baseline"></i>naive baseline equity</span></div>`;
  const body = data.models.length
    ? `${modelsTable(data.models)}<div class="grid-models">${data.models.map(modelCard).join('')}</div>`
    : '<p class="empty">No configs were trained.</p>';
  return `<section id="models"><h2>Models</h2><p class="sub">Per config: loss by epoch (log scale where it falls steeply) and walk-forward equity on held-out bars against the naive baseline. Sharpe is green where it beats the baseline.</p>${legend}${body}</section>`;
}

/** One self-contained HTML page (inline CSS and SVG, no scripts, nothing fetched) for a pipeline run. */
export function renderRunReport(input: RunReportInput | RunReportData): string {
  const data = parseRunReportData(input);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${esc(CONTENT_SECURITY_POLICY)}">
<link rel="icon" href="data:,">
<title>SignalForge run ${esc(data.runId)}</title>
<style>${REPORT_CSS}</style></head>
<body>${header(data)}<main class="page">
${summary(data)}
${pipeline(data)}
${stateMachinePath(data)}
${gate(data)}
${abTests(data)}
<section><div class="two">${registry(data)}${cost(data)}</div></section>
${models(data)}
<footer>Generated by SignalForge from run <span class="mono">${esc(data.runId)}</span>. Self-contained: no scripts, no network.</footer>
</main></body></html>
`;
}

export const REPORT_FILE_NAME = 'report.html';
export const REPORT_DATA_FILE_NAME = 'report-data.json';

/**
 * Write `report.html` (and the validated data beside it as `report-data.json`) into `dir`,
 * creating it if needed. Returns the HTML file's path.
 */
export async function writeRunReport(dir: string, input: RunReportInput | RunReportData): Promise<string> {
  const data = parseRunReportData(input);
  await mkdir(dir, { recursive: true });
  const file = join(dir, REPORT_FILE_NAME);
  await writeFile(file, renderRunReport(data), 'utf8');
  await writeFile(join(dir, REPORT_DATA_FILE_NAME), `${JSON.stringify(data, null, 2)}\n`, 'utf8');
  return file;
}
