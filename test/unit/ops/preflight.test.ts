import { DefaultStackSynthesizer } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { parsePreflightArgs, UsageError } from '../../../ops/preflight/args.js';
import { bootstrapRequirement } from '../../../ops/preflight/bootstrap-requirement.js';
import { runPreflightCli } from '../../../ops/preflight/cli.js';
import { assessSpotQuotas, type AccountQuota } from '../../../ops/preflight/checks/spot-quotas.js';
import {
  defaultConfig,
  quotaGroupsUsed,
  SPOT_QUOTA_CODES,
  SPOT_QUOTA_GROUPS,
  type SpotQuotaGroup,
} from '../../../core/config/index.js';
import { STSClient } from '@aws-sdk/client-sts';
import { createPreflightClients } from '../../../ops/preflight/clients.js';

const P = 'All P4, P3 and P2 Spot Instance Requests';
const G = 'All G and VT Spot Instance Requests';
const quotas = (entries: [SpotQuotaGroup, number, AccountQuota['source']][]) =>
  new Map(entries.map(([g, vcpus, source]) => [g, { vcpus, source }]));

describe('preflight arguments', () => {
  it('accepts a region, config overrides and --json', () => {
    expect(parsePreflightArgs(['--region', 'eu-central-1', '--json', '--config', '{"envName":"prod"}'])).toEqual({
      region: 'eu-central-1',
      json: true,
      help: false,
      config: { envName: 'prod' },
    });
    expect(parsePreflightArgs(['--region', 'us-gov-west-1']).region).toBe('us-gov-west-1');
  });

  it('names the bad option and value', () => {
    expect(() => parsePreflightArgs([])).toThrow(new UsageError('--region is required, e.g. --region us-east-1'));
    expect(() => parsePreflightArgs(['--region', 'us-east'])).toThrow(
      new UsageError('--region "us-east" is not an AWS region id such as us-east-1 or eu-central-1'),
    );
    expect(() => parsePreflightArgs(['--region', 'US-EAST-1'])).toThrow(UsageError);
    expect(() => parsePreflightArgs(['--region', 'us-east-1', '--config', '{nope'])).toThrow(
      /--config "\{nope" must be a JSON object/,
    );
    expect(() => parsePreflightArgs(['--region', 'us-east-1', '--frobnicate'])).toThrow(UsageError);
  });

  it('exits 2 with the help on a usage or config error, before any AWS call', async () => {
    const err: string[] = [];
    const io = {
      out: () => {},
      err: (t: string) => err.push(t),
      env: {},
      clients: () => {
        throw new Error('no client may be built');
      },
    };
    expect(await runPreflightCli(['--region', 'nowhere'], io)).toBe(2);
    expect(await runPreflightCli(['--region', 'us-east-1', '--config', '{"training":{"configsPerShard":0}}'], io)).toBe(
      2,
    );
    expect(err[1]).toContain('training.configsPerShard');
    expect(err.every((e) => e.includes('Usage: npm run preflight'))).toBe(true);
  });
});

describe('an account that cannot be reached', () => {
  it('stops before the checks with the reason and exits 1', async () => {
    const clients = createPreflightClients('us-east-1', {});
    // A name under .invalid never resolves (RFC 6761): what a mistyped or unknown region's endpoint does.
    clients.sts = new STSClient({
      region: 'us-east-1',
      endpoint: 'http://sts.preflight.invalid',
      maxAttempts: 1,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    });
    const out: string[] = [];
    const err: string[] = [];
    const code = await runPreflightCli(['--region', 'us-east-1', '--json'], {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      env: {},
      clients: () => clients,
    });
    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(
      /^preflight: no AWS endpoint answers for region us-east-1 \((ENOTFOUND|EAI_AGAIN)\)/,
    );
    expect(JSON.parse(out[0]!)).toMatchObject({ region: 'us-east-1', ok: false });
  });
});

describe('spot quotas: one model with the stack', () => {
  /** The defaults are all G; P fallbacks (an explicit override) exercise two quota groups at once. */
  const withP = {
    ...defaultConfig.training,
    instanceTypes: ['p3.8xlarge', 'p3.16xlarge', 'g5.12xlarge', 'g4dn.12xlarge'],
  };

  it('has a Service Quotas code for every quota group', () => {
    expect(SPOT_QUOTA_CODES).toEqual({
      [P]: 'L-7212CCBC',
      'All P5 Spot Instance Requests': 'L-C4BD4855',
      [G]: 'L-3819A6DF',
    });
    expect(Object.keys(SPOT_QUOTA_CODES).sort()).toEqual([...SPOT_QUOTA_GROUPS].sort());
  });

  it('takes the largest fallback of each group the instance types use, in first-use order', () => {
    expect(quotaGroupsUsed(defaultConfig.training.instanceTypes)).toEqual([
      { group: G, instanceType: 'g5.12xlarge', vcpus: 48 },
    ]);
    expect(quotaGroupsUsed(withP.instanceTypes)).toEqual([
      { group: P, instanceType: 'p3.16xlarge', vcpus: 64 },
      { group: G, instanceType: 'g5.12xlarge', vcpus: 48 },
    ]);
    expect(quotaGroupsUsed(['g4dn.xlarge', 'p5.48xlarge', 'g6.2xlarge'])).toEqual([
      { group: G, instanceType: 'g6.2xlarge', vcpus: 8 },
      { group: 'All P5 Spot Instance Requests', instanceType: 'p5.48xlarge', vcpus: 192 },
    ]);
    expect(() => quotaGroupsUsed(['m5.large'])).toThrow('no vCPU entry for instance type m5.large');
  });

  it('reads an untouched quota as the AWS default, and checks only the groups the types use', () => {
    const gOnly = { ...defaultConfig.training, instanceTypes: ['g5.12xlarge', 'g4dn.12xlarge'] };
    const result = assessSpotQuotas(gOnly, 4, quotas([[G, 192, 'AWS default']]), 'eu-west-1');
    expect(result).toEqual({
      status: 'pass',
      detail: `the Map runs 4 shard(s) at once (maxConcurrentShards; 4 shard(s) of 25 configs), limited by "${G}" on g5.12xlarge; "${G}" 192 vCPUs (AWS default), configured 192, largest fallback g5.12xlarge (48)`,
    });
  });

  it('notes a larger quota without warning when every shard already runs at once', () => {
    const gOnly = { ...defaultConfig.training, instanceTypes: ['g5.12xlarge'] };
    // 192 / 48 = 4 at once for 3 shards; the account's 480 would allow 10.
    const result = assessSpotQuotas(gOnly, 3, quotas([[G, 480, 'applied']]), 'eu-west-1');
    expect(result.status).toBe('pass');
    expect(result.fix).toBeUndefined();
    expect(result.detail).toContain(
      "6 more shard(s) could run at once with training.spotVcpuQuota raised to the account's quotas (no gain for today's 3 shard(s))",
    );
  });

  it('reports every failing group with its own fix, in the target region', () => {
    const result = assessSpotQuotas(
      withP,
      4,
      quotas([
        [P, 64, 'applied'],
        [G, 0, 'AWS default'],
      ]),
      'ap-south-1',
    );
    expect(result.status).toBe('fail');
    expect(result.detail).toContain(
      `"${P}" holds 1 p3.16xlarge, the Map runs 2 shard(s) at once (128 vCPUs): the launches past 1 fail; "${G}" cannot run one g5.12xlarge: nothing launches on it`,
    );
    expect(result.fix!.split('\n')).toEqual([
      `aws service-quotas request-service-quota-increase --service-code ec2 --quota-code L-7212CCBC --desired-value 128 --region ap-south-1  # "${P}"`,
      `or lower training.spotVcpuQuota["${P}"] to 64 (the Map then runs 1 shard(s) at once)`,
      `aws service-quotas request-service-quota-increase --service-code ec2 --quota-code L-3819A6DF --desired-value 192 --region ap-south-1  # "${G}"`,
    ]);
  });

  it('refuses to judge a group it has no account quota for', () => {
    expect(() => assessSpotQuotas(defaultConfig.training, 4, quotas([[P, 128, 'applied']]), 'us-east-1')).toThrow(
      `no account quota read for "${G}"`,
    );
  });
});

describe('bootstrap requirement', () => {
  it('comes from the installed aws-cdk-lib for the default synthesizer', () => {
    const req = bootstrapRequirement();
    expect(req.versionParameter).toBe(
      DefaultStackSynthesizer.DEFAULT_BOOTSTRAP_STACK_VERSION_SSM_PARAMETER.replace(
        /\$\{Qualifier\}/,
        DefaultStackSynthesizer.DEFAULT_QUALIFIER,
      ),
    );
    expect(Number.isInteger(req.minVersion) && req.minVersion > 0).toBe(true);
  });
});
