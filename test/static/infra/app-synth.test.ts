import { builtinModules, createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template as Assertions, Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorResponseSchema, predictRequestJsonSchemaDraft4 } from '../../../core/api/index.js';
import { loadConfig, TOPIC_NAMES } from '../../../core/config/index.js';
import { registryTableDefinition } from '../../../core/registry/index.js';
import { ONLINE_STORE_KEYS, onlineStoreTableDefinition } from '../../../core/online/index.js';
import { dataNames } from '../../../lib/data/data-names.js';
import { installVenv, venvTool } from '../../../local/services/index.js';
import { repoRoot } from '../../../lib/constructs/signalforge-function.js';
import { acknowledgedFindings } from '../../../lib/nag/acknowledge.js';
import { flattenReference } from '../../../lib/nag/wildcard-acknowledgements.js';
import {
  allowStatements,
  directorySize,
  listFiles,
  readTemplates,
  renderDefinition,
  resourcesOfType,
  type Template,
} from './template-helpers.js';
import { defaultSynthesis, type Synthesized } from './synthesize.js';

const require = createRequire(import.meta.url);
const aslValidator = require('asl-validator') as (definition: unknown) => {
  isValid: boolean;
  errorsText: (sep?: string) => string;
};

const config = loadConfig({ env: {} });
let synth: Synthesized;
let templates: Record<string, Template>;
const stackName = (part: string) => `SignalForge-${config.envName}-${part}`;
const assertions = (part: string) => Assertions.fromJSON(templates[stackName(part)]!);

beforeAll(() => {
  // One synthesis of the whole app, from config defaults, with cdk-nag registered: app.synth()
  // throws on any unacknowledged AwsSolutions error, so reaching the assertions means nag passed.
  synth = defaultSynthesis();
  templates = readTemplates(synth.outdir);
  console.log(`cdk synth of ${Object.keys(templates).length} stacks took ${(synth.synthMs / 1000).toFixed(1)} s`);
}, 600_000);

// Each synthesis stages ~200 MB of assets (three copies of the onnxruntime binary among them).
afterAll(() => {
  if (synth) rmSync(synth.outdir, { recursive: true, force: true });
});

describe('cdk synth from config defaults', () => {
  it('produces the six stacks by name, with cdk-nag AwsSolutions reporting no unacknowledged errors', () => {
    expect(Object.keys(templates).sort()).toEqual(
      ['Data', 'Inference', 'Ingest', 'Monitoring', 'Streaming', 'Training'].map(stackName).sort(),
    );
    const report = JSON.parse(readFileSync(join(synth.outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports?: { summary?: { status?: string }; violations?: { severity: string }[] }[];
    };
    const errors = (report.pluginReports ?? []).flatMap((r) =>
      (r.violations ?? []).filter((v) => v.severity === 'error' || v.severity === 'fatal'),
    );
    expect(errors).toEqual([]);
  });

  it('has no dead acknowledgement: every one suppresses a finding cdk-nag actually raised', () => {
    // cdk-nag 3 ignores an id that is not exact (a bare AwsSolutions-IAM5, a region rendered as
    // <AWS::Region> where the finding has us-east-1) or sits outside the flagged resource's path.
    expect(synth.nag.unusedAcknowledgements()).toEqual([]);
  });

  it('acknowledges nag findings only with specific reasons', () => {
    const acks = acknowledgedFindings();
    expect(acks.length).toBeGreaterThan(0);
    for (const a of acks) {
      expect(a.id).toMatch(/^AwsSolutions-[A-Z0-9]+(\[.+\])?$/);
      expect(a.reason.length, `${a.id} on ${a.path}`).toBeGreaterThanOrEqual(40);
    }
  });
});

describe('data', () => {
  it('encrypts every bucket, blocks public access and denies plain HTTP', () => {
    const buckets = resourcesOfType(templates, 'AWS::S3::Bucket');
    expect(buckets.length).toBeGreaterThan(0);
    for (const b of buckets) {
      expect(
        b.props.BucketEncryption?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault?.SSEAlgorithm,
        b.id,
      ).toMatch(/^(aws:kms|AES256)$/);
      expect(b.props.PublicAccessBlockConfiguration, b.id).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(b.props.VersioningConfiguration?.Status, b.id).toBe('Enabled');
    }
    // The lake and artifact buckets use the customer key and log access; only the log bucket uses SSE-S3 (S3 requires
    // it).
    const kms = buckets.filter(
      (b) =>
        b.props.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm ===
        'aws:kms',
    );
    expect(kms.map((b) => b.props.LoggingConfiguration?.DestinationBucketName).every(Boolean)).toBe(true);
    expect(kms.every((b) => b.props.LifecycleConfiguration?.Rules?.some((r) => r.NoncurrentVersionExpiration))).toBe(
      true,
    );
    for (const p of resourcesOfType(templates, 'AWS::S3::BucketPolicy')) {
      expect(p.props.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      );
    }
  });

  it('deploys the registry and online-store tables as the sandbox creates them, with PITR and KMS, and no other', () => {
    const data = assertions('Data');
    data.resourceCountIs('AWS::DynamoDB::Table', 2);
    const names = dataNames(config.envName);
    type TableProps = Record<string, unknown> & {
      TableName: string;
      KeySchema: unknown[];
      GlobalSecondaryIndexes: { IndexName: string; KeySchema: unknown[]; Projection: unknown }[];
      AttributeDefinitions: { AttributeName: string; AttributeType: string }[];
    };
    const tables = Object.values(data.findResources('AWS::DynamoDB::Table')).map((t) => t.Properties as TableProps);
    const named = (name: string) => tables.find((t) => t.TableName === name)!;
    const byName = <T extends { AttributeName?: string }>(xs: readonly T[] | undefined) =>
      [...(xs ?? [])].sort((x, y) => String(x.AttributeName).localeCompare(String(y.AttributeName)));
    const online = named(names.onlineStoreTable);
    const onlineLocal = onlineStoreTableDefinition(names.onlineStoreTable);
    expect(online.KeySchema).toEqual(onlineLocal.KeySchema);
    expect(byName(online.AttributeDefinitions)).toEqual(byName(onlineLocal.AttributeDefinitions));
    expect(online).toMatchObject({
      TimeToLiveSpecification: { AttributeName: ONLINE_STORE_KEYS.timeToLive, Enabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
    });
    const local = registryTableDefinition(names.registryTable);
    const table = named(names.registryTable);
    expect(table.KeySchema).toEqual(local.KeySchema);
    expect(byName(table.AttributeDefinitions)).toEqual(byName(local.AttributeDefinitions));
    expect(
      table.GlobalSecondaryIndexes.map(({ IndexName, KeySchema, Projection }) => ({
        IndexName,
        KeySchema,
        Projection,
      })),
    ).toEqual(local.GlobalSecondaryIndexes);
    expect(table.BillingMode).toBe(local.BillingMode);
    expect(table).toMatchObject({
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
    });
  });

  it('gives the isolated subnets the endpoints the MSK event source mapping and the Lambdas need', () => {
    const endpoints = resourcesOfType(templates, 'AWS::EC2::VPCEndpoint').map((e) =>
      JSON.stringify(e.props.ServiceName),
    );
    for (const service of ['.s3', '.dynamodb', '.lambda', '.sts', '.sqs', '.kafka'])
      expect(
        endpoints.some((s) => s.includes(service)),
        service,
      ).toBe(true);
    expect(endpoints.some((s) => s.includes('secretsmanager'))).toBe(false);
    assertions('Data').resourceCountIs('AWS::EC2::FlowLog', 1);
  });
});

describe('streaming', () => {
  it('runs MSK Serverless with IAM client auth by default', () => {
    assertions('Streaming').hasResourceProperties('AWS::MSK::ServerlessCluster', {
      ClientAuthentication: { Sasl: { Iam: { Enabled: true } } },
    });
  });

  it('hands every topic with its configured partition count to the topic custom resource', () => {
    const [topics] = resourcesOfType(templates, 'Custom::KafkaTopics');
    expect(topics).toBeDefined();
    const declared = Object.fromEntries(
      (topics!.props.Topics as { name: string; partitions: number }[]).map((t) => [t.name, t.partitions]),
    );
    expect(declared).toEqual(Object.fromEntries(TOPIC_NAMES.map((t) => [t, config.kafka.topics[t].partitions])));
  });
});

describe('ingest', () => {
  it('maps each topic to its sink with batch size, window, starting position, DLQ and partial batch responses from config', () => {
    const mappings = resourcesOfType(templates, 'AWS::Lambda::EventSourceMapping');
    expect(mappings.map((m) => m.props.Topics[0]).sort()).toEqual([...TOPIC_NAMES].sort());
    for (const m of mappings) {
      expect(m.props).toMatchObject({
        BatchSize: config.ingest.batchSize,
        MaximumBatchingWindowInSeconds: config.ingest.batchWindowSeconds,
        StartingPosition: config.ingest.startingPosition,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        AmazonManagedKafkaEventSourceConfig: {
          ConsumerGroupId: `signalforge-${config.envName}-sink-${m.props.Topics[0]}`,
        },
      });
      expect(m.props.DestinationConfig.OnFailure.Destination['Fn::GetAtt'][0]).toMatch(/^SinkDeadLetters/);
    }
  });

  it('grants each sink the consumer permissions ManagedKafkaEventSource leaves out, scoped to its topic and group', () => {
    const statements = allowStatements(templates).filter(
      (s) => s.stack === stackName('Ingest') && /Sink/.test(s.policy),
    );
    for (const topic of TOPIC_NAMES) {
      const role = statements.filter((s) =>
        s.policy.startsWith(
          topic
            .split('-')
            .map((w) => w[0]!.toUpperCase() + w.slice(1))
            .join(''),
        ),
      );
      const actions = new Set(role.flatMap((s) => s.actions));
      for (const a of [
        'Connect',
        'DescribeGroup',
        'AlterGroup',
        'DescribeTopic',
        'ReadData',
        'DescribeClusterDynamicConfiguration',
      ])
        expect(actions.has(`kafka-cluster:${a}`), `${topic} ${a}`).toBe(true);
      const read = role.find((s) => s.actions.includes('kafka-cluster:ReadData'))!;
      expect(read.resources.every((r) => r.endsWith(`/${topic}`))).toBe(true);
    }
  });

  it('schedules one producer per source, and the lake compaction, with the configured expressions', () => {
    const schedules = resourcesOfType(templates, 'AWS::Scheduler::Schedule').filter(
      (s) => s.stack === stackName('Ingest'),
    );
    expect(schedules.map((s) => s.props.ScheduleExpression).sort()).toEqual(
      [...Object.values(config.schedules.producers), config.schedules.lakeCompaction].sort(),
    );
    const producers = resourcesOfType(templates, 'AWS::Lambda::Function').filter(
      (f) => f.props.Environment?.Variables?.SOURCE,
    );
    expect(producers.map((p) => p.props.Environment.Variables.SOURCE).sort()).toEqual([
      'filings',
      'market-data',
      'news',
      'social',
    ]);
  });
});

describe('training', () => {
  it('launches the first instance type as one-time spot with IMDSv2 only and an encrypted root volume', () => {
    assertions('Training').hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        InstanceType: config.training.instanceTypes[0],
        InstanceMarketOptions: { MarketType: 'spot', SpotOptions: Match.objectLike({ SpotInstanceType: 'one-time' }) },
        MetadataOptions: Match.objectLike({ HttpTokens: 'required' }),
        InstanceInitiatedShutdownBehavior: 'terminate',
        BlockDeviceMappings: [Match.objectLike({ Ebs: Match.objectLike({ Encrypted: true }) })],
      }),
    });
  });

  it('takes the GPU AMI from a public SSM parameter and installs tfjs-node-gpu from the trainer bundle', () => {
    const params = JSON.stringify(templates[stackName('Training')]!.Parameters ?? {});
    expect(params).toContain('/aws/service/deeplearning/ami/');
    const [lt] = resourcesOfType(templates, 'AWS::EC2::LaunchTemplate');
    const userData = JSON.stringify(lt!.props.LaunchTemplateData.UserData);
    expect(userData).toContain('npm ci --omit=dev');
    const bundleDir = listFiles(synth.outdir).find(
      (f) =>
        f.endsWith('/package.json') && readFileSync(join(synth.outdir, f), 'utf8').includes('signalforge-gpu-trainer'),
    );
    expect(bundleDir).toBeDefined();
    const pkg = JSON.parse(readFileSync(join(synth.outdir, bundleDir!), 'utf8'));
    // Exact versions from the committed lockfile; the trainer itself is bundled JavaScript (no tsx on the instance).
    expect(pkg.dependencies['@tensorflow/tfjs-node-gpu']).toBe('4.22.0');
    for (const file of ['package-lock.json', 'requirements-cuda.txt', 'dist/cli.mjs', 'dist/worker.mjs'])
      expect(existsSync(join(synth.outdir, bundleDir!.replace('package.json', file))), file).toBe(true);
  });

  it('gives the launcher the ordered instance-type fallbacks and the SageMaker alternative managed spot settings', () => {
    const launch = resourcesOfType(templates, 'AWS::Lambda::Function').find((f) =>
      f.id.startsWith('RetrainLaunchTask'),
    );
    expect(launch?.props.Environment.Variables.TRAINER_INSTANCE_TYPES).toBe(config.training.instanceTypes.join(','));
    const settings = synth.stacks.training.sagemaker.settings;
    expect(settings).toMatchObject({
      enableManagedSpotTraining: true,
      instanceTypes: config.training.instanceTypes.map((t) => `ml.${t}`),
      maxRuntimeSeconds: config.training.maxRunHours * 3600,
    });
    expect(settings.maxWaitSeconds).toBeGreaterThan(settings.maxRuntimeSeconds);
    expect(settings.checkpointS3Prefix).toMatch(/^s3:\/\/.+\/runs\/$/);
    assertions('Training').hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'sagemaker.amazonaws.com' } })],
      }),
    });
  });

  it('lets the launcher run instances only through the trainer launch template', () => {
    const [lt] = resourcesOfType(templates, 'AWS::EC2::LaunchTemplate');
    const runInstances = allowStatements(templates).filter((s) => s.actions.includes('ec2:RunInstances'));
    // The spot request RunInstances creates has no ec2:LaunchTemplate condition key, so it has a statement
    // of its own; every other resource, the instance above all, is in the launch-template statement.
    expect(runInstances.length).toBe(2);
    expect(
      runInstances.filter((s) => s.resources.every((r) => r.endsWith(':spot-instances-request/*')) && !s.hasCondition),
    ).toHaveLength(1);
    const raw = resourcesOfType(templates, 'AWS::IAM::Policy')
      .flatMap(
        (p) =>
          p.props.PolicyDocument.Statement as {
            Action: string | string[];
            Condition?: Record<string, Record<string, unknown>>;
          }[],
      )
      .find((st) => [st.Action].flat().includes('ec2:RunInstances') && st.Condition)!;
    const launchTemplateCondition = raw.Condition?.ArnLike?.['ec2:LaunchTemplate'];
    expect(launchTemplateCondition, 'RunInstances needs an ec2:LaunchTemplate condition').toBeDefined();
    expect(flattenReference(launchTemplateCondition)).toBe(
      `arn:<AWS::Partition>:ec2:${config.region}:<AWS::AccountId>:launch-template/<${lt!.id}>`,
    );
  });

  it('keeps the bootstrap in the launch template only: no Lambda environment carries it, the launchers get small settings', () => {
    const functions = resourcesOfType(templates, 'AWS::Lambda::Function');
    for (const fn of functions) {
      const vars = (fn.props.Environment?.Variables ?? {}) as Record<string, unknown>;
      const text = JSON.stringify(vars);
      for (const marker of ['#!/bin/bash', 'shutdown -h', 'nodejs.org', 'npm ci', 'TRAINER_SETUP_SCRIPT'])
        expect(text, `${fn.id} environment`).not.toContain(marker);
    }
    for (const prefix of ['RetrainLaunchTask', 'RetrainRelaunchTask']) {
      const fn = functions.find((f) => f.id.startsWith(prefix))!;
      const vars = fn.props.Environment.Variables as Record<string, unknown>;
      // The config JSON leaves the environment in another part of issue #12; everything else stays small.
      const { SIGNALFORGE_CONFIG_JSON: _config, ...rest } = vars;
      // Lambda counts keys plus values; tokens render as their <Ref> placeholders, about their deployed length.
      const bytes = Object.entries(rest).reduce((n, [k, v]) => n + k.length + flattenReference(v).length, 0);
      expect(bytes, `${prefix} environment without the config`).toBeLessThan(1024);
    }
  });

  it('routes spot interruption warnings and schedules the weekly retrain', () => {
    assertions('Training').hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.ec2'], 'detail-type': ['EC2 Spot Instance Interruption Warning'] },
    });
    assertions('Training').hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: config.schedules.retrain,
      Target: Match.objectLike({ Arn: Match.anyValue() }),
    });
  });

  it('every state machine definition passes asl-validator', () => {
    const machines = resourcesOfType(templates, 'AWS::StepFunctions::StateMachine');
    expect(machines.length).toBeGreaterThan(0);
    for (const m of machines) {
      const result = aslValidator(JSON.parse(renderDefinition(m.props.DefinitionString)));
      expect(result.isValid, `${m.id}: ${result.errorsText()}`).toBe(true);
    }
  });
});

describe('inference', () => {
  it('exposes the four routes with IAM auth, validates the predict and batch bodies and throttles from config', () => {
    const inf = assertions('Inference');
    const methods = resourcesOfType(templates, 'AWS::ApiGateway::Method');
    expect(methods.map((m) => m.props.HttpMethod).sort()).toEqual(['GET', 'GET', 'POST', 'POST']);
    expect(methods.every((m) => m.props.AuthorizationType === 'AWS_IAM')).toBe(true);
    const paths = resourcesOfType(templates, 'AWS::ApiGateway::Resource')
      .map((r) => r.props.PathPart)
      .sort();
    expect(paths).toEqual(['batch', 'health', 'openapi.json', 'predict', 'v1']);
    const bothForms = Match.objectLike({
      anyOf: [
        Match.objectLike({ required: ['symbol', 'timeframe'], additionalProperties: false }),
        Match.objectLike({
          required: ['symbol', 'timeframe', 'bars'],
          properties: Match.objectLike({
            bars: Match.objectLike({ minItems: config.inference.minBars, maxItems: config.inference.maxBars }),
          }),
        }),
      ],
    });
    inf.hasResourceProperties('AWS::ApiGateway::Model', { Name: 'PredictRequest', Schema: bothForms });
    inf.hasResourceProperties('AWS::ApiGateway::Model', {
      Name: 'BatchPredictRequest',
      Schema: Match.objectLike({
        required: ['requests'],
        properties: { requests: Match.objectLike({ minItems: 1, maxItems: 100 }) },
      }),
    });
    // The short form reads the online store (Query, no writes); the market-data sink writes it.
    const data = assertions('Data');
    data.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 't', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    inf.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([
        Match.objectLike({
          ThrottlingRateLimit: config.inference.throttleRatePerSecond,
          ThrottlingBurstLimit: config.inference.throttleBurst,
        }),
      ]),
    });
    inf.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
  });

  it('validates the predict body with the JSON schema core/api generates from its zod schema, not a copy', () => {
    const model = resourcesOfType(templates, 'AWS::ApiGateway::Model').find((m) => m.props.Name === 'PredictRequest');
    expect(model!.props.ContentType).toBe('application/json');
    // CDK adds only the dialect marker; everything else is the generated schema, unchanged.
    expect(model!.props.Schema).toEqual({
      $schema: 'http://json-schema.org/draft-04/schema#',
      ...predictRequestJsonSchemaDraft4(config),
    });
  });

  it('answers gateway validation failures with a 400 in the API error shape, naming the problem', () => {
    const responses = Object.fromEntries(
      resourcesOfType(templates, 'AWS::ApiGateway::GatewayResponse').map((r) => [r.props.ResponseType, r.props]),
    );
    for (const type of ['BAD_REQUEST_BODY', 'BAD_REQUEST_PARAMETERS']) {
      const response = responses[type];
      expect(response?.StatusCode, type).toBe('400');
      const template = response.ResponseTemplates['application/json'] as string;
      expect(template).toContain('$context.error.validationErrorString');
      // API Gateway substitutes variables without VTL; validationErrorString arrives quoted and escaped.
      const detail = '[object has missing required properties (["bars"])]';
      const body = template
        .replace('$context.error.validationErrorString', JSON.stringify(detail))
        .replace('$context.requestId', '5b0c2f5e-1f0a-4c5e-9d1e-0a1b2c3d4e5f');
      const parsed = errorResponseSchema.parse(JSON.parse(body));
      expect(parsed.error).toMatchObject({
        code: 'invalid_request',
        message: detail,
        requestId: '5b0c2f5e-1f0a-4c5e-9d1e-0a1b2c3d4e5f',
      });
      if (type === 'BAD_REQUEST_BODY') expect(parsed.error.field).toBe('body');
    }
  });

  it('ships onnxruntime-node with its linux-x64 binary only, far under the 250 MB Lambda limit', () => {
    const fn = resourcesOfType(templates, 'AWS::Lambda::Function').find(
      (f) => f.stack === stackName('Inference') && f.id.startsWith('Inference'),
    )!;
    const assetDir = join(synth.outdir, `asset.${String(fn.props.Code.S3Key).replace(/\.zip$/, '')}`);
    const files = listFiles(assetDir);
    const binaries = files.filter((f) => f.endsWith('.node') || f.includes('libonnxruntime'));
    expect(binaries.length).toBeGreaterThan(0);
    expect(binaries.every((f) => f.includes('napi-v6/linux/x64/'))).toBe(true);
    const bytes = directorySize(assetDir);
    console.log(`inference bundle: ${(bytes / 1024 / 1024).toFixed(1)} MB unzipped`);
    expect(bytes).toBeLessThan(100 * 1024 * 1024);
  });

  it('imports the AWS SDK from the runtime except where it is pinned, and shares one asset per entry', () => {
    const fns = resourcesOfType(templates, 'AWS::Lambda::Function');
    const bundle = (f: (typeof fns)[number]) =>
      readFileSync(
        join(synth.outdir, `asset.${String(f.props.Code.S3Key).replace(/\.zip$/, '')}`, 'index.mjs'),
        'utf8',
      );
    const importsRuntimeSdk = (code: string) => /from\s*"@aws-sdk\/client-[a-z0-9-]+"/.test(code);
    const launch = fns.find((f) => f.id.startsWith('RetrainLaunchTask'))!;
    expect(importsRuntimeSdk(bundle(launch))).toBe(true);
    // Sinks (S3 conditional writes) and the onnxruntime functions bundle their tested SDK version.
    const sinks = fns.filter((f) => f.props.Environment?.Variables?.TOPIC);
    const inference = fns.find((f) => f.stack === stackName('Inference') && f.id.startsWith('Inference'))!;
    for (const f of [sinks[0]!, inference]) expect(importsRuntimeSdk(bundle(f)), f.id).toBe(false);
    const producers = fns.filter((f) => f.props.Environment?.Variables?.SOURCE);
    expect(new Set(producers.map((p) => JSON.stringify(p.props.Code.S3Key))).size).toBe(1);
    expect(new Set(sinks.map((p) => JSON.stringify(p.props.Code.S3Key))).size).toBe(1);
    expect(sinks.length).toBe(TOPIC_NAMES.length);
  });

  it('bundles nothing that Lambda cannot load: every import is a builtin, the runtime SDK or a shipped module', () => {
    const fns = resourcesOfType(templates, 'AWS::Lambda::Function');
    // SignalForge's ESM bundles (CDK's own provider functions ship index.js and are CDK's business).
    const assets = new Set(
      fns
        .map((f) => `asset.${String(f.props.Code.S3Key).replace(/\.zip$/, '')}`)
        .filter((a) => existsSync(join(synth.outdir, a, 'index.mjs'))),
    );
    expect(assets.size).toBeGreaterThanOrEqual(15);
    const builtins = new Set(builtinModules);
    const packageOf = (spec: string) =>
      spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
    for (const asset of assets) {
      const dir = join(synth.outdir, asset);
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      // Static imports start a statement (esbuild hoists them to the top); dynamic ones are import("x").
      const specs = new Set(
        [
          ...code.matchAll(/(?:^|[;\n}])\s*import\s*(?:[\w$*{}\s,]+?from\s*)?"([^"]+)"/g),
          ...code.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g),
        ].map((m) => m[1]!),
      );
      expect(specs.size, asset).toBeGreaterThan(0);
      for (const spec of specs) {
        const loadable = spec.startsWith('.')
          ? existsSync(join(dir, spec))
          : spec.startsWith('node:') ||
            builtins.has(spec) ||
            spec.startsWith('@aws-sdk/') ||
            existsSync(join(dir, 'node_modules', packageOf(spec), 'package.json'));
        expect(loadable, `${asset} imports "${spec}"`).toBe(true);
      }
    }
  });

  it('schedules daily batch inference, the drift check and the live loop; the last two may start a retrain and see running ones', () => {
    const schedules = resourcesOfType(templates, 'AWS::Scheduler::Schedule')
      .filter((s) => s.stack === stackName('Inference'))
      .map((s) => s.props.ScheduleExpression);
    expect(schedules.sort()).toEqual(
      [config.schedules.batchInference, config.schedules.driftCheck, config.schedules.liveLoop].sort(),
    );
    for (const fn of ['DriftCheck', 'LiveLoop']) {
      const statements = allowStatements(templates).filter(
        (s) => s.stack === stackName('Inference') && s.policy.startsWith(fn),
      );
      for (const action of ['states:StartExecution', 'states:ListExecutions', 'states:DescribeExecution'])
        expect(
          statements.some((s) => s.actions.includes(action)),
          `${fn} ${action}`,
        ).toBe(true);
    }
  });
});

describe('monitoring', () => {
  it('alarms on ingest errors and lag, dead letters, inference errors and p99 latency, retrain failures and drift, all to the encrypted alert topic', () => {
    const alarms = resourcesOfType(templates, 'AWS::CloudWatch::Alarm');
    const describe = (a: (typeof alarms)[number]) => JSON.stringify(a.props);
    const find = (pattern: RegExp) => alarms.filter((a) => pattern.test(describe(a)));
    expect(find(/OffsetLag/).length).toBe(TOPIC_NAMES.length);
    expect(find(/ApproximateNumberOfMessagesVisible/).length).toBe(1);
    expect(find(/"ExtendedStatistic":"p99"/).length).toBe(1);
    expect(find(/ExecutionsFailed/).length).toBe(1);
    expect(find(/ConfigsDrifted/).length).toBe(1);
    expect(find(/5XXError/).length).toBe(1);
    // Quarantined + dead-lettered over received, per topic, at config.quality.rejectRateAlarm.
    const rejects = find(/"MetricName":"Quarantined"/);
    expect(rejects.length).toBe(TOPIC_NAMES.length);
    for (const a of rejects) expect(a.props.Threshold).toBe(config.quality.rejectRateAlarm);
    for (const a of alarms) expect(JSON.stringify(a.props.AlarmActions)).toContain('Alerts');
    assertions('Data').hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    assertions('Monitoring').resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});

describe('runtime and IAM hygiene', () => {
  it('runs every Lambda on nodejs24.x', () => {
    const fns = resourcesOfType(templates, 'AWS::Lambda::Function');
    expect(fns.length).toBeGreaterThan(10);
    for (const f of fns) expect(f.props.Runtime, `${f.stack}/${f.id}`).toBe('nodejs24.x');
  });

  it('has no wildcard IAM actions beyond the KMS families CDK grants emit, and Resource "*" only where AWS requires it', () => {
    const statements = allowStatements(templates);
    const wildcardActions = new Set(statements.flatMap((s) => s.actions.filter((a) => a.includes('*'))));
    for (const a of wildcardActions) expect(['kms:GenerateDataKey*', 'kms:ReEncrypt*']).toContain(a);
    // Actions that have no resource-level permissions, per the AWS service authorization reference.
    const resourceless = new Set([
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
      'ec2:CreateNetworkInterface',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DeleteNetworkInterface',
      'ec2:AssignPrivateIpAddresses',
      'ec2:UnassignPrivateIpAddresses',
      'ec2:DescribeVpcs',
      'ec2:DescribeSubnets',
      'ec2:DescribeSecurityGroups',
      'ec2:DescribeDhcpOptions',
      'ec2:DescribeInstances',
      'ec2:DescribeSpotPriceHistory',
      'kafka:GetBootstrapBrokers',
      'ecr:GetAuthorizationToken',
      'cloudwatch:PutMetricData',
      'cloudwatch:GetMetricStatistics',
      'cloudwatch:GetMetricData',
      'cloudwatch:ListMetrics',
      // Step Functions vended log delivery (CDK's StateMachine logging grant).
      'logs:CreateLogDelivery',
      'logs:GetLogDelivery',
      'logs:UpdateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:DescribeResourcePolicies',
      'logs:DescribeLogGroups',
    ]);
    for (const s of statements.filter((st) => st.resources.includes('*'))) {
      for (const a of s.actions) expect(resourceless.has(a), `${s.stack}/${s.policy}: ${a} on "*"`).toBe(true);
    }
  });
});

describe('template linters (cfn-lint and checkov from the project venv)', () => {
  const run = (command: string, args: string[], env: NodeJS.ProcessEnv = process.env) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.once('error', reject);
      child.once('exit', (code) => resolve({ code, stdout, stderr }));
    });
  let cfnLint: Promise<{ code: number | null; stdout: string; stderr: string }>;
  let checkov: Promise<{ code: number | null; stdout: string; stderr: string }>;
  let templateFiles: string[];
  let checkovDir: string | undefined;
  afterAll(() => {
    if (checkovDir) rmSync(checkovDir, { recursive: true, force: true });
  });

  beforeAll(async () => {
    await installVenv({ log: (line) => console.log(line) });
    templateFiles = Object.keys(templates).map((name) => join(synth.outdir, `${name}.template.json`));
    checkovDir = mkdtempSync(join(tmpdir(), 'signalforge-checkov-'));
    for (const f of templateFiles) copyFileSync(f, join(checkovDir, f.split('/').pop()!));
    // Both tools run at once; --skip-download and BC_SKIP_MAPPING keep checkov off the network.
    cfnLint = run(venvTool('cfn-lint'), ['--format', 'json', '--', ...templateFiles]);
    checkov = run(
      venvTool('checkov'),
      ['-d', checkovDir, '--framework', 'cloudformation', '-o', 'json', '--quiet', '--compact', '--skip-download'],
      { ...process.env, BC_SKIP_MAPPING: 'TRUE' },
    );
    await Promise.all([cfnLint, checkov]);
  }, 900_000);

  it('cfn-lint finds no errors in any template', async () => {
    const result = await cfnLint;
    const findings = JSON.parse(result.stdout || '[]') as {
      Level: string;
      Rule: { Id: string };
      Message: string;
      Filename: string;
    }[];
    const errors = findings.filter((f) => f.Level === 'Error');
    expect(errors.map((e) => `${e.Filename}: ${e.Rule.Id} ${e.Message}`)).toEqual([]);
  });

  it('every checkov failure is listed with its reason in docs/INFRA.md', async () => {
    const result = await checkov;
    const parsed = JSON.parse(result.stdout) as
      | { results?: { failed_checks?: { check_id: string }[] }; summary?: { passed: number } }
      | { results?: { failed_checks?: { check_id: string }[] } }[];
    const reports = Array.isArray(parsed) ? parsed : [parsed];
    const failed = new Set(reports.flatMap((r) => (r.results?.failed_checks ?? []).map((c) => c.check_id)));
    const passed = reports.reduce((n, r) => n + ((r as { summary?: { passed: number } }).summary?.passed ?? 0), 0);
    console.log(`checkov: ${passed} passed, failed check ids: ${[...failed].sort().join(', ') || 'none'}`);
    expect(passed).toBeGreaterThan(0);
    const doc = readFileSync(join(repoRoot, 'docs', 'INFRA.md'), 'utf8');
    for (const id of failed)
      expect(doc, `${id} is not explained in docs/INFRA.md`).toMatch(
        new RegExp(`\\|\\s*${id}\\s*\\|[^|\\n]+\\|[^|\\n]{20,}`),
      );
  });
});
