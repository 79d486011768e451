/** The report's one stylesheet, inlined into the page. Colours are named once here and reused by class. */
export const REPORT_CSS = `
:root {
  --bg: #f4f6f9; --panel: #ffffff; --border: #dfe3ea; --text: #18212f; --muted: #5b6678; --faint: #8a94a6;
  --accent: #1d4ed8; --train: #2563eb; --val: #e8590c; --equity: #0f8a6c; --baseline: #8792a2;
  --ok: #15803d; --ok-bg: #e7f6ec; --fail: #b91c1c; --fail-bg: #fdecec; --warn: #b45309; --warn-bg: #fdf3e2;
  --run: #1d4ed8; --run-bg: #e8effd; --skip: #6b7280; --skip-bg: #eef0f3;
  --mono: "DejaVu Sans Mono", "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace;
}
* { box-sizing: border-box; }
html { background: var(--bg); }
body {
  margin: 0; color: var(--text); background: var(--bg);
  font: 14px/1.45 "Segoe UI", Roboto, "Helvetica Neue", Arial, "Liberation Sans", sans-serif;
  -webkit-font-smoothing: antialiased; font-variant-numeric: tabular-nums;
}
.page { max-width: 1480px; margin: 0 auto; padding: 0 28px 40px; }
header.top { background: #0f1b2d; color: #e8edf5; }
header.top .page { padding-top: 22px; padding-bottom: 18px; }
.brand { font-size: 12px; letter-spacing: .12em; text-transform: uppercase; color: #9fb3cf; font-weight: 600; }
h1 { font-size: 24px; margin: 4px 0 6px; font-weight: 600; display: flex; align-items: center; gap: 12px; flex-wrap: wrap; }
h1 code { font: 500 18px var(--mono); color: #ffffff; background: rgba(255,255,255,.08); padding: 2px 8px; border-radius: 5px; }
.meta { display: flex; gap: 22px; flex-wrap: wrap; color: #b8c5d8; font-size: 13px; }
.meta b { color: #ffffff; font-weight: 600; }
nav { margin-top: 14px; display: flex; gap: 4px; flex-wrap: wrap; }
nav a { color: #c9d6ea; text-decoration: none; font-size: 13px; padding: 4px 10px; border-radius: 999px; background: rgba(255,255,255,.06); }
nav a:hover { background: rgba(255,255,255,.14); color: #fff; }
section { margin-top: 26px; }
h2 { font-size: 17px; font-weight: 600; margin: 0 0 4px; }
.sub { color: var(--muted); margin: 0 0 12px; font-size: 13px; }
.panel { background: var(--panel); border: 1px solid var(--border); border-radius: 10px; padding: 16px 18px; }
.two { display: grid; grid-template-columns: minmax(0, 1.25fr) minmax(0, 1fr); gap: 18px; align-items: start; }
@media (max-width: 1000px) { .two { grid-template-columns: minmax(0, 1fr); } }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; }
.card { background: var(--panel); border: 1px solid var(--border); border-radius: 10px; padding: 12px 14px; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .05em; }
.card .value { font-size: 24px; font-weight: 600; margin-top: 2px; }
.card .hint { color: var(--faint); font-size: 12px; }
.pill { display: inline-block; font: 600 11px/1 "Segoe UI", Roboto, Arial, "Liberation Sans", sans-serif; letter-spacing: .04em;
  text-transform: uppercase; padding: 4px 8px; border-radius: 999px; white-space: nowrap; vertical-align: middle; }
.s-succeeded, .s-ok { color: var(--ok); background: var(--ok-bg); }
.s-failed, .s-aborted, .s-timed_out { color: var(--fail); background: var(--fail-bg); }
.s-running { color: var(--run); background: var(--run-bg); }
.s-skipped { color: var(--skip); background: var(--skip-bg); }
.s-caught, .s-retried { color: var(--warn); background: var(--warn-bg); }
.a-production { color: var(--ok); background: var(--ok-bg); }
.a-canary { color: var(--warn); background: var(--warn-bg); }
.a-none { color: var(--faint); }
.v-pass { color: var(--ok); background: var(--ok-bg); }
.v-fail { color: var(--fail); background: var(--fail-bg); }
[data-gate] td { vertical-align: top; }
ul.reasons { margin: 0; padding-left: 16px; white-space: normal; min-width: 280px; }
ul.methods { margin: 4px 0 12px; padding-left: 18px; color: var(--muted); font-size: 12.5px; }
table { width: 100%; border-collapse: collapse; font-size: 13px; }
table + table { margin-top: 14px; }
th { text-align: left; font-weight: 600; color: var(--muted); font-size: 12px; border-bottom: 1px solid var(--border); padding: 6px 8px; white-space: nowrap; }
td { border-bottom: 1px solid #eef0f4; padding: 6px 8px; white-space: nowrap; }
td.num, th.num { text-align: right; }
tr:last-child td { border-bottom: none; }
td a { color: var(--accent); text-decoration: none; } td a:hover { text-decoration: underline; }
code, .mono { font-family: var(--mono); font-size: 12.5px; }
.scroll { max-height: 420px; overflow: auto; }
.scroll thead th { position: sticky; top: 0; background: var(--panel); }
.better { color: var(--ok); } .worse { color: var(--fail); }
.stages { display: grid; grid-template-columns: 110px minmax(0, 1fr) 70px; gap: 7px 12px; align-items: center; }
.stages .name { font-weight: 500; }
.stages .track { position: relative; height: 14px; background: #eef1f5; border-radius: 4px; }
.stages .bar { position: absolute; top: 0; bottom: 0; border-radius: 4px; background: var(--accent); min-width: 2px; }
.stages .bar.failed { background: var(--fail); } .stages .bar.skipped { background: #c3c9d3; }
.stages .dur { text-align: right; color: var(--muted); font-size: 13px; }
.figures { display: grid; grid-template-columns: repeat(3, 1fr); gap: 10px; margin-bottom: 12px; }
.figure .value { font-size: 20px; font-weight: 600; } .figure .label { color: var(--muted); font-size: 12px; }
.hbar { display: inline-block; height: 8px; border-radius: 3px; background: var(--val); vertical-align: middle; min-width: 2px; }
ol.flow { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; align-items: stretch; gap: 10px 0; }
ol.flow li { display: flex; align-items: center; }
.arrow { width: 30px; height: 2px; background: #b3bccb; margin: 0 6px 0 6px; position: relative; flex: none; }
.arrow::after { content: ""; position: absolute; right: -2px; top: -4px; border: 5px solid transparent; border-left: 7px solid #b3bccb; border-right: 0; }
.step { border: 1px solid var(--border); border-left: 4px solid var(--ok); border-radius: 8px; padding: 7px 10px; background: #fbfcfd; min-width: 150px; }
.step.failed, .step.aborted { border-left-color: var(--fail); } .step.running { border-left-color: var(--run); }
.step.skipped { border-left-color: #c3c9d3; } .step.caught, .step.retried { border-left-color: var(--warn); }
.step .n { color: var(--faint); font-size: 11px; } .step .title { font-weight: 600; }
.step .info { color: var(--muted); font-size: 12px; } .step .detail { color: var(--fail); font-size: 12px; max-width: 260px; white-space: normal; }
.cost { display: grid; grid-template-columns: repeat(2, 1fr); gap: 10px; }
.cost .big { font-size: 26px; font-weight: 600; }
.legend { display: flex; gap: 18px; flex-wrap: wrap; color: var(--muted); font-size: 13px; margin-bottom: 12px; }
.legend span { display: inline-flex; align-items: center; gap: 6px; }
.swatch { width: 18px; height: 0; border-top: 3px solid; display: inline-block; }
.swatch.dashed { border-top-style: dashed; }
.grid-models { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 14px; margin-top: 14px; }
.model { background: var(--panel); border: 1px solid var(--border); border-radius: 10px; padding: 10px 12px 8px; }
.model h3 { margin: 0; font-size: 14px; font-weight: 600; display: flex; justify-content: space-between; align-items: baseline; gap: 8px; }
.model h3 .type { color: var(--muted); font-weight: 500; font-size: 12px; }
.model .stats { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 6px; margin: 8px 0 2px; padding: 6px 0; border-top: 1px solid #eef0f4; border-bottom: 1px solid #eef0f4; }
.model .stats div { display: flex; flex-direction: column; }
.model .stats .k { color: var(--faint); font-size: 10.5px; text-transform: uppercase; letter-spacing: .04em; }
.model .stats .v { font-weight: 600; font-size: 13px; }
.model .stats .v small { color: var(--muted); font-weight: 400; font-size: 11px; }
.chart-caption { display: flex; gap: 10px; align-items: center; font-size: 11px; color: var(--muted); margin: 8px 0 2px; }
.chart-caption b { text-transform: uppercase; letter-spacing: .05em; color: var(--faint); font-weight: 600; margin-right: auto; }
.chart-caption span { display: inline-flex; align-items: center; gap: 4px; }
.chart-caption .swatch { width: 12px; border-top-width: 2px; }
svg.chart { display: block; width: 100%; height: auto; overflow: visible; }
svg.chart .grid { stroke: #edf0f4; stroke-width: 1; }
svg.chart .axis { stroke: #9aa4b2; stroke-width: 1; }
svg.chart .tick-mark { stroke: #9aa4b2; }
svg.chart .tick { fill: #677386; font-size: 10px; font-family: "Segoe UI", Roboto, Arial, "Liberation Sans", sans-serif; }
svg.chart .axis-label { fill: #4b5565; font-size: 10.5px; font-family: "Segoe UI", Roboto, Arial, "Liberation Sans", sans-serif; }
svg.chart .no-data { fill: var(--faint); font-size: 12px; }
svg.chart .plot-bg { fill: #f7f8fa; }
svg.chart .reference { stroke: #b6bfcc; stroke-width: 1; stroke-dasharray: 2 3; }
svg.chart .series { fill: none; stroke-width: 1.7; stroke-linejoin: round; stroke-linecap: round; }
svg.chart .series.dashed { stroke-dasharray: 4 3; stroke-width: 1.4; }
.c-train { stroke: var(--train); border-color: var(--train); }
.c-val { stroke: var(--val); border-color: var(--val); }
.c-equity { stroke: var(--equity); border-color: var(--equity); }
.c-baseline { stroke: var(--baseline); border-color: var(--baseline); }
footer { color: var(--faint); font-size: 12px; margin-top: 30px; text-align: center; }
.empty { color: var(--faint); font-style: italic; }
`;
