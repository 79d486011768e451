import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TIMEFRAMES } from '../../../core/config/index.js';
import { TASK_METADATA_KEY } from '../../../lambdas/training/task-catalog.js';
import { largest, lambdaCodeSizes, lambdaEnvironmentSizes, overLimit, readTemplates, userDataSizes, WORST_CASE, type CfnTemplate, type Measurement } from '../../support/template-limits.js';
import { defaultSynthesis, synthesizeApp, type Synthesized } from './synthesize.js';

/**
 * The worst case the limits must hold for: 100 model configs whose symbols have the longest ticker the
 * schema allows (10 characters), every instance type SignalForge knows as fallbacks, the longest env
 * name (21 characters) and the longest region name.
 */
const WORST_SYMBOLS = Array.from({ length: 25 }, (_, i) => `Z${String(i).padStart(2, '0')}XXXXXXX`);
const worstCaseOverrides = {
  envName: `w${'x'.repeat(19)}9`,
  region: WORST_CASE.region,
  universe: { symbols: WORST_SYMBOLS, timeframes: [...TIMEFRAMES] },
};

interface Case {
  name: string;
  synth: () => Synthesized;
}
const cases: Case[] = [
  { name: 'default config', synth: defaultSynthesis },
  { name: 'worst case (100 configs, long names, longest region)', synth: () => synthesizeApp(worstCaseOverrides) },
];

const report = (label: string, measurements: Measurement[]) => {
  const top = largest(measurements);
  if (top) console.log(`${label}: largest ${top.bytes} B of ${top.limit} B (${top.where})`);
};

describe.each(cases)('AWS limits of the synthesized app: $name', ({ synth: build }) => {
  let synth: Synthesized;
  let templates: Record<string, CfnTemplate>;
  beforeAll(() => {
    synth = build();
    templates = readTemplates(synth.outdir);
  }, 900_000);
  afterAll(() => {
    if (synth) rmSync(synth.outdir, { recursive: true, force: true });
  });

  it('keeps every Lambda environment within 4 KB with references at their longest concrete values', () => {
    const sizes = lambdaEnvironmentSizes(templates);
    expect(sizes.length).toBeGreaterThan(20);
    report('Lambda environment', sizes);
    expect(overLimit(sizes)).toEqual([]);
  });

  it('keeps every function package (code and layers) within 250 MB unzipped', () => {
    const sizes = lambdaCodeSizes(synth.outdir, templates);
    report('Lambda code, unzipped', sizes);
    expect(overLimit(sizes)).toEqual([]);
  });

  it('keeps EC2 user data within 16 KB base64-encoded', () => {
    const sizes = userDataSizes(templates);
    expect(sizes.length).toBeGreaterThan(0);
    report('user data', sizes);
    expect(overLimit(sizes)).toEqual([]);
  });
});
