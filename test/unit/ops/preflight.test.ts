import { DefaultStackSynthesizer } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { parsePreflightArgs, UsageError } from '../../../ops/preflight/args.js';
import { bootstrapRequirement } from '../../../ops/preflight/bootstrap-requirement.js';
import { runPreflightCli } from '../../../ops/preflight/cli.js';
import { GPU_INSTANCE_VCPUS, placeConcurrentTrainers, spotQuotaFamily, type SpotType } from '../../../ops/preflight/spot-capacity.js';
import { defaultConfig } from '../../../core/config/index.js';
import { STSClient } from '@aws-sdk/client-sts';
import { createPreflightClients } from '../../../ops/preflight/clients.js';

const spotType = (type: string): SpotType => ({ type, family: spotQuotaFamily(type)!, vcpus: GPU_INSTANCE_VCPUS[type]! });

describe('preflight arguments', () => {
  it('accepts a region, config overrides and --json', () => {
    expect(parsePreflightArgs(['--region', 'eu-central-1', '--json', '--config', '{"envName":"prod"}'])).toEqual({ region: 'eu-central-1', json: true, help: false, config: { envName: 'prod' } });
    expect(parsePreflightArgs(['--region', 'us-gov-west-1']).region).toBe('us-gov-west-1');
  });

  it('names the bad option and value', () => {
    expect(() => parsePreflightArgs([])).toThrow(new UsageError('--region is required, e.g. --region us-east-1'));
    expect(() => parsePreflightArgs(['--region', 'us-east'])).toThrow(new UsageError('--region "us-east" is not an AWS region id such as us-east-1 or eu-central-1'));
    expect(() => parsePreflightArgs(['--region', 'US-EAST-1'])).toThrow(UsageError);
    expect(() => parsePreflightArgs(['--region', 'us-east-1', '--config', '{nope'])).toThrow(/--config "\{nope" must be a JSON object/);
    expect(() => parsePreflightArgs(['--region', 'us-east-1', '--frobnicate'])).toThrow(UsageError);
  });

  it('exits 2 with the help on a usage or config error, before any AWS call', async () => {
    const err: string[] = [];
    const io = { out: () => {}, err: (t: string) => err.push(t), env: {}, clients: () => { throw new Error('no client may be built'); } };
    expect(await runPreflightCli(['--region', 'nowhere'], io)).toBe(2);
    expect(await runPreflightCli(['--region', 'us-east-1', '--config', '{"training":{"configsPerShard":0}}'], io)).toBe(2);
    expect(err[1]).toContain('training.configsPerShard');
    expect(err.every((e) => e.includes('Usage: npm run preflight'))).toBe(true);
  });
});

describe('an account that cannot be reached', () => {
  it('stops before the checks with the reason and exits 1', async () => {
    const clients = createPreflightClients('us-east-1', {});
    // A name under .invalid never resolves (RFC 6761): what a mistyped or unknown region's endpoint does.
    clients.sts = new STSClient({ region: 'us-east-1', endpoint: 'http://sts.preflight.invalid', maxAttempts: 1, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
    const out: string[] = [];
    const err: string[] = [];
    const code = await runPreflightCli(['--region', 'us-east-1', '--json'], { out: (t) => out.push(t), err: (t) => err.push(t), env: {}, clients: () => clients });
    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(/^preflight: no AWS endpoint answers for region us-east-1 \((ENOTFOUND|EAI_AGAIN)\)/);
    expect(JSON.parse(out[0]!)).toMatchObject({ region: 'us-east-1', ok: false });
  });
});

describe('spot capacity', () => {
  it('maps instance types to the P or G spot quota, and others to none', () => {
    expect(['p3.8xlarge', 'p3dn.24xlarge', 'p4d.24xlarge', 'g4dn.12xlarge', 'g5.12xlarge', 'g6e.xlarge'].map(spotQuotaFamily)).toEqual(['P', 'P', 'P', 'G', 'G', 'G']);
    expect(spotQuotaFamily('p5.48xlarge')).toBeUndefined();
    expect(spotQuotaFamily('m5.large')).toBeUndefined();
  });

  it('has a vCPU figure and a quota family for every default instance type', () => {
    for (const type of defaultConfig.training.instanceTypes) {
      expect(GPU_INSTANCE_VCPUS[type], type).toBeGreaterThan(0);
      expect(spotQuotaFamily(type), type).toBeDefined();
    }
  });

  it('fills quotas in launcher order, fallbacks included, and counts the shards left over', () => {
    const types = ['p3.8xlarge', 'p3.16xlarge', 'g5.12xlarge', 'g4dn.12xlarge'].map(spotType);
    expect(placeConcurrentTrainers(types, 4, { P: 128, G: 0 })).toEqual({ placed: [{ type: 'p3.8xlarge', count: 4 }], unplaced: 0 });
    // 80 P vCPUs: two p3.8xlarge (64), the 16 left fit no P type; 100 G vCPUs take two g5.12xlarge (96).
    expect(placeConcurrentTrainers(types, 4, { P: 80, G: 100 })).toEqual({ placed: [{ type: 'p3.8xlarge', count: 2 }, { type: 'g5.12xlarge', count: 2 }], unplaced: 0 });
    expect(placeConcurrentTrainers(types, 4, { P: 40, G: 47 })).toEqual({ placed: [{ type: 'p3.8xlarge', count: 1 }], unplaced: 3 });
    expect(placeConcurrentTrainers(types, 3, {})).toEqual({ placed: [], unplaced: 3 });
  });
});

describe('bootstrap requirement', () => {
  it('comes from the installed aws-cdk-lib for the default synthesizer', () => {
    const req = bootstrapRequirement();
    expect(req.versionParameter).toBe(DefaultStackSynthesizer.DEFAULT_BOOTSTRAP_STACK_VERSION_SSM_PARAMETER.replace('${Qualifier}', DefaultStackSynthesizer.DEFAULT_QUALIFIER));
    expect(Number.isInteger(req.minVersion) && req.minVersion > 0).toBe(true);
  });
});
