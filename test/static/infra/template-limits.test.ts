import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  INSTANCE_TYPES,
  loadConfig,
  SPOT_QUOTA_GROUPS,
  TIMEFRAMES,
  type ConfigOverrides,
} from '../../../core/config/index.js';
import { TASK_METADATA_KEY } from '../../../lambdas/training/task-catalog.js';
import { assertDefaultAmiDrives, DEFAULT_AMI_INSTANCE_FAMILIES } from '../../../lib/training/spot-trainer.js';
import {
  largest,
  lambdaCodeSizes,
  lambdaEnvironmentSizes,
  mapStates,
  overLimit,
  readTemplates,
  trainerConcurrencyProblems,
  userDataSizes,
  WORST_CASE,
  type CfnTemplate,
  type Measurement,
} from '../../support/template-limits.js';
import { defaultSynthesis, synthesizeApp, type Synthesized } from './synthesize.js';

/**
 * The worst case the limits must hold for: 100 model configs whose symbols have the longest ticker the
 * schema allows (10 characters), every instance type SignalForge knows that the default GPU AMI drives
 * (synth rejects the others unless an AMI that drives them is configured) as fallbacks, the longest env
 * name (21 characters) and the longest region name.
 */
const WORST_SYMBOLS = Array.from({ length: 25 }, (_, i) => `Z${String(i).padStart(2, '0')}XXXXXXX`);
const WORST_INSTANCE_TYPES = Object.keys(INSTANCE_TYPES).filter((t) =>
  (DEFAULT_AMI_INSTANCE_FAMILIES as readonly string[]).includes(t.split('.')[0]!),
);
const worstCaseOverrides: ConfigOverrides = {
  envName: `w${'x'.repeat(19)}9`,
  region: WORST_CASE.region,
  universe: { symbols: WORST_SYMBOLS, timeframes: [...TIMEFRAMES] },
  // Every type SignalForge knows that the default AMI drives, as fallbacks; quotas that hold 4 of the largest (192
  // vCPUs) in each group.
  training: {
    instanceTypes: WORST_INSTANCE_TYPES,
    spotVcpuQuota: Object.fromEntries(SPOT_QUOTA_GROUPS.map((g) => [g, 4 * 192])),
  },
};

/** The SageMaker backend needs a trainer image: the longest ECR URI (256-character repository, 128-character tag). */
const WORST_IMAGE_URI = `123456789012.dkr.ecr.${WORST_CASE.region}.amazonaws.com/${'r'.repeat(256)}:${'t'.repeat(128)}`;
const worstSageMakerOverrides: ConfigOverrides = {
  ...worstCaseOverrides,
  training: { ...(worstCaseOverrides.training as object), backend: 'sagemaker', sagemakerImageUri: WORST_IMAGE_URI },
};

interface Case {
  name: string;
  overrides?: ConfigOverrides;
  synth: () => Synthesized;
}
const cases: Case[] = [
  { name: 'default config', synth: defaultSynthesis },
  {
    name: 'worst case (100 configs, all instance types the default AMI drives, long names, longest region)',
    overrides: worstCaseOverrides,
    synth: () => synthesizeApp(worstCaseOverrides),
  },
  {
    name: 'worst case on the SageMaker backend',
    overrides: worstSageMakerOverrides,
    synth: () => synthesizeApp(worstSageMakerOverrides),
  },
];

/** Prints the largest measurement against its limit, then expects none over its limit. */
const expectWithinLimits = (label: string, measurements: Measurement[]) => {
  const top = largest(measurements);
  if (top) console.log(`${label}: largest ${top.bytes} B of ${top.limit} B (${top.where})`);
  expect(overLimit(measurements)).toEqual([]);
};

describe.each(cases)('AWS limits of the synthesized app: $name', ({ synth: build, overrides }) => {
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
    expectWithinLimits('Lambda environment', sizes);
  });

  it('keeps every function package (code and layers) within 250 MB unzipped', () => {
    expectWithinLimits('Lambda code, unzipped', lambdaCodeSizes(synth.outdir, templates));
  });

  it('keeps EC2 user data within 16 KB base64-encoded', () => {
    const sizes = userDataSizes(templates);
    expect(sizes.length).toBeGreaterThan(0);
    expectWithinLimits('user data', sizes);
  });

  it('bounds the trainer Map so concurrent shards x vCPUs of every fallback fit its spot quota group', () => {
    const config = loadConfig({ env: {}, overrides });
    const maps = mapStates(templates, TASK_METADATA_KEY, 'launch');
    console.log(
      `trainer Map MaxConcurrency: ${maps
        .filter((m) => m.launchesTrainers)
        .map((m) => m.maxConcurrency)
        .join(', ')} (${config.training.backend})`,
    );
    expect(trainerConcurrencyProblems(maps, config.training)).toEqual([]);
  });
});

describe('the worst case instance types', () => {
  it('are every known type the default AMI drives, and still span every spot quota group', () => {
    expect(WORST_INSTANCE_TYPES.length).toBeGreaterThan(0);
    expect(() => assertDefaultAmiDrives(WORST_INSTANCE_TYPES)).not.toThrow();
    expect(new Set(WORST_INSTANCE_TYPES.map((t) => INSTANCE_TYPES[t]!.spotQuota))).toEqual(new Set(SPOT_QUOTA_GROUPS));
  });
});
