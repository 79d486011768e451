// Screenshots a rendered report in headless Chromium, e.g. for the README:
//   node --import tsx local/report/screenshot.ts <report.html> <out.png> [--width px] [--height px]
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { ensureChromium } from './ensure-chromium.js';

export async function screenshotReport(
  htmlFile: string,
  pngFile: string,
  viewport = { width: 1440, height: 2380 },
): Promise<void> {
  const context = await chromium.launchPersistentContext('', {
    executablePath: ensureChromium(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    viewport,
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(pathToFileURL(resolve(htmlFile)).href);
    await page.screenshot({ path: pngFile });
  } finally {
    await context.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { width: { type: 'string', default: '1440' }, height: { type: 'string', default: '2380' } },
  });
  const [html, png] = positionals;
  if (!html || !png) throw new Error('usage: screenshot.ts <report.html> <out.png> [--width px] [--height px]');
  await screenshotReport(html, png, { width: Number(values.width), height: Number(values.height) });
  process.stdout.write(`${png}\n`);
}
