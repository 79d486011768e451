import { parseArgs } from 'node:util';
import { loadConfig, modelConfigKeys } from '../../core/config/index.js';
import { defaultPricedInstanceType } from './cost.js';
import { screenshotReport } from './screenshot.js';
import { writeRunReport } from './render.js';
import { sampleRunReportData } from './sample-report-data.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'test-output/report-sample' },
    configs: { type: 'string' },
    screenshot: { type: 'string' },
    width: { type: 'string', default: '1440' },
    height: { type: 'string', default: '2200' },
  },
});

const config = loadConfig();
const keys = modelConfigKeys(config)
  .map((k) => k.key)
  .slice(0, values.configs ? Number(values.configs) : undefined);
const file = await writeRunReport(
  values.out,
  sampleRunReportData({ keys, pricing: config.pricing, instanceType: defaultPricedInstanceType(config) }),
);
process.stdout.write(`${file}\n`);

if (values.screenshot) {
  await screenshotReport(file, values.screenshot, { width: Number(values.width), height: Number(values.height) });
  process.stdout.write(`${values.screenshot}\n`);
}
