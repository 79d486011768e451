import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, modelConfigKeys } from '../../../core/config/index.js';
import { defaultPricedInstanceType } from '../../../local/report/cost.js';
import { ensureChromium } from '../../../local/report/ensure-chromium.js';
import { writeRunReport } from '../../../local/report/render.js';
import { parseRunReportData, type RunReportData } from '../../../local/report/report-data.js';
import { sampleRunReportData } from '../../../local/report/sample-report-data.js';

// Renders a full 100-config report, serves it on loopback and opens it in Debian's headless Chromium.
// No Kafka or emulator involved, so it lives with the unit tests.

const outputDir = fileURLToPath(new URL('../../../test-output/', import.meta.url));
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface PageProblems {
  consoleErrors: string[];
  pageErrors: string[];
  failedRequests: string[];
  requests: string[];
}

let workDir: string;
let server: Server;
let baseUrl: string;
let context: BrowserContext;
let page: Page;
let data: RunReportData;
const problems: PageProblems = { consoleErrors: [], pageErrors: [], failedRequests: [], requests: [] };
let responseStatus: number | undefined;

beforeAll(async () => {
  const executablePath = ensureChromium();
  const config = loadConfig({ env: {} });
  data = parseRunReportData(
    sampleRunReportData({
      keys: modelConfigKeys(config).map((k) => k.key),
      pricing: config.pricing,
      instanceType: defaultPricedInstanceType(config),
    }),
  );
  workDir = await mkdtemp(join(tmpdir(), 'signalforge-report-'));
  const reportFile = await writeRunReport(join(workDir, 'site'), data);
  const html = await readFile(reportFile);

  server = createServer((req, res) => {
    if (req.url === '/report') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': html.length });
      res.end(html);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  context = await chromium.launchPersistentContext(join(workDir, 'chromium-profile'), {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1440, height: 1800 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => problems.pageErrors.push(err.message));
  page.on('requestfailed', (req) => problems.failedRequests.push(`${req.url()} ${req.failure()?.errorText ?? ''}`));
  page.on('request', (req) => problems.requests.push(req.url()));
  const response = await page.goto(`${baseUrl}/report`, { waitUntil: 'load' });
  responseStatus = response?.status();
}, 20 * 60_000);

afterAll(async () => {
  await context?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('run report in headless Chromium', () => {
  it('loads from the local server with no console errors, page errors or outside requests', async () => {
    expect(responseStatus).toBe(200);
    await expect(page.title()).resolves.toContain(data.runId);
    await expect(page.locator('[data-run-id]').textContent()).resolves.toBe(data.runId);
    expect(problems.consoleErrors).toEqual([]);
    expect(problems.pageErrors).toEqual([]);
    expect(problems.failedRequests).toEqual([]);
    // The page is self-contained: the document itself is the only thing fetched.
    expect(problems.requests).toEqual([`${baseUrl}/report`]);
  });

  it('draws a loss chart and an equity chart with visible lines for every config', async () => {
    const charts = await page.$$eval('svg.chart', (svgs) =>
      svgs.map((svg) => {
        const rect = svg.getBoundingClientRect();
        return {
          chart: svg.getAttribute('data-chart'),
          config: svg.getAttribute('data-config'),
          width: rect.width,
          height: rect.height,
          lines: [...svg.querySelectorAll('path.series')].map((path) => {
            const box = (path as unknown as { getBBox(): { width: number; height: number } }).getBBox();
            return { series: path.getAttribute('data-series'), width: box.width, height: box.height };
          }),
        };
      }),
    );
    const keys = data.models.map((m) => m.key);
    for (const kind of ['loss', 'equity']) {
      const ofKind = charts.filter((c) => c.chart === kind);
      expect(ofKind.map((c) => c.config)).toEqual(keys);
      for (const chart of ofKind) {
        expect(chart.width, `${kind} chart of ${chart.config}`).toBeGreaterThan(150);
        expect(chart.height, `${kind} chart of ${chart.config}`).toBeGreaterThan(50);
        expect(chart.lines).toHaveLength(2);
        for (const line of chart.lines)
          expect(line.width, `${line.series} line of ${chart.config}`).toBeGreaterThan(50);
      }
    }
  });

  it('shows every section: registry rows, state path, cost and stage timings', async () => {
    await expect(page.locator('table[data-registry] tbody tr').count()).resolves.toBe(data.registry.length);
    await expect(page.locator('ol.flow .step').count()).resolves.toBe(data.stateMachine.visits.length);
    await expect(page.locator('[data-cost="spot"]').isVisible()).resolves.toBe(true);
    await expect(page.locator('.stages .bar').count()).resolves.toBe(data.stages.length);
    for (const id of ['summary', 'pipeline', 'state-machine', 'gate', 'registry', 'cost', 'models']) {
      await expect(page.locator(`#${id}`).isVisible(), id).resolves.toBe(true);
    }
    await expect(page.locator('table[data-gate] tbody tr').count()).resolves.toBe(data.gate.length);
  });

  it('saves screenshots under test-output', async () => {
    await mkdir(outputDir, { recursive: true });
    const top = join(outputDir, 'report.png');
    const full = join(outputDir, 'report-full.png');
    await page.screenshot({ path: top });
    await page.screenshot({ path: full, fullPage: true });
    expect((await stat(top)).size).toBeGreaterThan(20_000);
    expect((await stat(full)).size).toBeGreaterThan((await stat(top)).size);
  });
});
