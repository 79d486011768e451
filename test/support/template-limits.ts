import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { INSTANCE_TYPES } from '../../core/config/instance-types.js';

/**
 * Hard AWS limits a synthesized SignalForge app must stay under, measured on the cloud assembly
 * (templates plus staged assets), as AWS counts them. Each check returns every measurement, so a
 * test can both assert and report the headroom.
 */
export const LIMITS = {
  /** Lambda: total size of all environment variables (keys + values), 4 KB. */
  lambdaEnvironmentBytes: 4 * 1024,
  /** Lambda: deployment package (function code + layers), unzipped, 250 MB. */
  lambdaUnzippedCodeBytes: 250 * 1024 * 1024,
  /** EC2: user data, counted after base64 encoding, 16 KB. */
  userDataBase64Bytes: 16 * 1024,
  /** Step Functions: a state's input or output, 256 KB (UTF-8). */
  stateMachinePayloadBytes: 256 * 1024,
} as const;

/**
 * Worst-case concrete values for what CloudFormation resolves at deploy time. Assumptions:
 * - region `us-isof-south-1` (15 characters, the longest region name AWS has published), partition
 *   `aws-iso-f` is shorter than `aws-us-gov` (10), so the partition uses the latter; URL suffix
 *   `amazonaws.com.cn` (16, the longest partition DNS suffix);
 * - account ids are always 12 digits;
 * - a resource without an explicit name gets CloudFormation's generated name at the service's maximum
 *   length (GENERATED_NAME_MAX, from each service's naming limits: 64 for functions and roles, 63 for
 *   buckets, 80 for state machines and queues, 256 for topics, 255 for tables, 512 for log groups);
 * - EC2 ids use the long (17 hex digit) form, KMS key ids are UUIDs, MSK ARNs end in `<uuid>-<suffix>`;
 * - an Fn::ImportValue resolves to the worst case of the exporting stack's output value.
 */
export interface WorstCase {
  partition: string;
  region: string;
  accountId: string;
  urlSuffix: string;
}
export const WORST_CASE: WorstCase = {
  partition: 'aws-us-gov',
  region: 'us-isof-south-1',
  accountId: '999999999999',
  urlSuffix: 'amazonaws.com.cn',
};

const GENERATED_NAME_MAX: Record<string, { property: string; max: number }> = {
  'AWS::Lambda::Function': { property: 'FunctionName', max: 64 },
  'AWS::S3::Bucket': { property: 'BucketName', max: 63 },
  'AWS::IAM::Role': { property: 'RoleName', max: 64 },
  'AWS::IAM::InstanceProfile': { property: 'InstanceProfileName', max: 128 },
  'AWS::SNS::Topic': { property: 'TopicName', max: 256 },
  'AWS::SQS::Queue': { property: 'QueueName', max: 80 },
  'AWS::StepFunctions::StateMachine': { property: 'StateMachineName', max: 80 },
  'AWS::DynamoDB::Table': { property: 'TableName', max: 255 },
  'AWS::Logs::LogGroup': { property: 'LogGroupName', max: 512 },
  'AWS::MSK::ServerlessCluster': { property: 'ClusterName', max: 64 },
  'AWS::MSK::Cluster': { property: 'ClusterName', max: 64 },
};
const EC2_ID = (prefix: string) => `${prefix}-${'f'.repeat(17)}`;
const UUID = 'ffffffff-ffff-ffff-ffff-ffffffffffff';

type Resource = {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  DependsOn?: string | string[];
};
export type CfnTemplate = {
  Resources: Record<string, Resource>;
  Parameters?: Record<string, { Type: string; Default?: string }>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
};

export function readTemplates(outdir: string): Record<string, CfnTemplate> {
  const out: Record<string, CfnTemplate> = {};
  for (const f of readdirSync(outdir).filter((n) => n.endsWith('.template.json')))
    out[f.replace('.template.json', '')] = JSON.parse(readFileSync(join(outdir, f), 'utf8'));
  return out;
}

type Resolved = string | string[];

/**
 * Resolves CloudFormation intrinsic functions to the longest plausible concrete strings. Anything it
 * has no worst case for throws, so a new kind of reference makes the check fail rather than pass short.
 */
export class WorstCaseResolver {
  constructor(
    private readonly templates: Record<string, CfnTemplate>,
    private readonly worst: WorstCase = WORST_CASE,
    /** Overrides the name a resource resolves to (e.g. its logical id, to find it again in a definition). */
    private readonly nameOverride?: (logicalId: string, type: string) => string | undefined,
  ) {}

  resolve(stack: string, value: unknown, seen: ReadonlySet<string> = new Set()): Resolved {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (Array.isArray(value)) return value.map((v) => this.str(stack, v, seen));
    if (typeof value !== 'object' || value === null) throw new Error(`cannot resolve ${JSON.stringify(value)}`);
    // An intrinsic: one key, its function; the argument's shape is the function's, as CloudFormation defines it.
    const [fn, arg] = Object.entries(value)[0] as [string, unknown];
    const pair = arg as [unknown, unknown];
    switch (fn) {
      case 'Ref':
        return this.ref(stack, arg as string, seen);
      case 'Fn::GetAtt':
        return this.getAtt(stack, pair[0] as string, pair[1] as string, seen);
      case 'Fn::Join':
        return (pair[1] as unknown[]).map((p) => this.str(stack, p, seen)).join(pair[0] as string);
      case 'Fn::Select':
        return this.list(stack, pair[1], seen)[Number(this.str(stack, pair[0], seen))]!;
      case 'Fn::Split':
        return this.str(stack, pair[1], seen).split(pair[0] as string);
      case 'Fn::Base64':
        return Buffer.from(this.str(stack, arg, seen), 'utf8').toString('base64');
      case 'Fn::GetAZs':
        return ['a', 'b', 'c'].map((az) => `${this.worst.region}${az}`);
      case 'Fn::Sub':
        return this.sub(stack, Array.isArray(arg) ? arg[0] : arg, Array.isArray(arg) ? arg[1] : {}, seen);
      case 'Fn::ImportValue':
        return this.importValue(this.str(stack, arg, seen), seen);
      default:
        throw new Error(`${stack}: no worst case for ${fn} ${JSON.stringify(arg)}`);
    }
  }

  str(stack: string, value: unknown, seen: ReadonlySet<string> = new Set()): string {
    const r = this.resolve(stack, value, seen);
    if (Array.isArray(r)) throw new Error(`${stack}: expected a string, got a list from ${JSON.stringify(value)}`);
    return r;
  }

  private list(stack: string, value: unknown, seen: ReadonlySet<string>): string[] {
    const r = this.resolve(stack, value, seen);
    return Array.isArray(r) ? r : r.split(',');
  }

  private pseudo(name: string): string | undefined {
    const w = this.worst;
    return {
      'AWS::Partition': w.partition,
      'AWS::Region': w.region,
      'AWS::AccountId': w.accountId,
      'AWS::URLSuffix': w.urlSuffix,
      'AWS::StackName': 'x'.repeat(128),
      'AWS::StackId': `arn:${w.partition}:cloudformation:${w.region}:${w.accountId}:stack/${'x'.repeat(128)}/${UUID}`,
    }[name];
  }

  private resource(stack: string, logicalId: string): Resource {
    const r = this.templates[stack]?.Resources[logicalId];
    if (!r) throw new Error(`${stack}: no resource ${logicalId}`);
    return r;
  }

  /** The physical name: the explicit one when set, else the longest name CloudFormation may generate. */
  private physicalName(stack: string, logicalId: string, seen: ReadonlySet<string>): string {
    const r = this.resource(stack, logicalId);
    const override = this.nameOverride?.(logicalId, r.Type);
    if (override !== undefined) return override;
    const naming = GENERATED_NAME_MAX[r.Type];
    if (!naming) throw new Error(`${stack}/${logicalId}: no naming rule for ${r.Type}`);
    const key = `${stack}/${logicalId}`;
    if (seen.has(key)) throw new Error(`${key}: circular reference`);
    const explicit = r.Properties?.[naming.property];
    return explicit === undefined ? 'n'.repeat(naming.max) : this.str(stack, explicit, new Set([...seen, key]));
  }

  private ref(stack: string, name: string, seen: ReadonlySet<string>): string {
    const pseudo = this.pseudo(name);
    if (pseudo !== undefined) return pseudo;
    const param = this.templates[stack]?.Parameters?.[name];
    if (param) {
      if (param.Type === 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>') return EC2_ID('ami');
      throw new Error(`${stack}: no worst case for parameter ${name} (${param.Type})`);
    }
    const { Type } = this.resource(stack, name);
    const { partition: p, region: r, accountId: a, urlSuffix } = this.worst;
    switch (Type) {
      case 'AWS::SNS::Topic':
        return `arn:${p}:sns:${r}:${a}:${this.physicalName(stack, name, seen)}`;
      case 'AWS::SQS::Queue':
        return `https://sqs.${r}.${urlSuffix}/${a}/${this.physicalName(stack, name, seen)}`;
      case 'AWS::StepFunctions::StateMachine':
      case 'AWS::MSK::ServerlessCluster':
      case 'AWS::MSK::Cluster':
        return this.getAtt(stack, name, 'Arn', seen);
      case 'AWS::KMS::Key':
        return UUID;
      case 'AWS::EC2::SecurityGroup':
        return EC2_ID('sg');
      case 'AWS::EC2::Subnet':
        return EC2_ID('subnet');
      case 'AWS::EC2::VPC':
        return EC2_ID('vpc');
      case 'AWS::EC2::LaunchTemplate':
        return EC2_ID('lt');
      default:
        return this.physicalName(stack, name, seen);
    }
  }

  private getAtt(stack: string, logicalId: string, attribute: string, seen: ReadonlySet<string>): string {
    const { Type } = this.resource(stack, logicalId);
    const { partition: p, region: r, accountId: a } = this.worst;
    const name = () => this.physicalName(stack, logicalId, seen);
    const arn: Record<string, () => string> = {
      'AWS::Lambda::Function': () => `arn:${p}:lambda:${r}:${a}:function:${name()}`,
      'AWS::S3::Bucket': () => `arn:${p}:s3:::${name()}`,
      'AWS::IAM::Role': () => `arn:${p}:iam::${a}:role/${name()}`,
      'AWS::IAM::InstanceProfile': () => `arn:${p}:iam::${a}:instance-profile/${name()}`,
      'AWS::SQS::Queue': () => `arn:${p}:sqs:${r}:${a}:${name()}`,
      'AWS::SNS::Topic': () => `arn:${p}:sns:${r}:${a}:${name()}`,
      'AWS::StepFunctions::StateMachine': () => `arn:${p}:states:${r}:${a}:stateMachine:${name()}`,
      'AWS::DynamoDB::Table': () => `arn:${p}:dynamodb:${r}:${a}:table/${name()}`,
      'AWS::Logs::LogGroup': () => `arn:${p}:logs:${r}:${a}:log-group:${name()}:*`,
      'AWS::KMS::Key': () => `arn:${p}:kms:${r}:${a}:key/${UUID}`,
      'AWS::MSK::ServerlessCluster': () => `arn:${p}:kafka:${r}:${a}:cluster/${name()}/${UUID}-s3`,
      'AWS::MSK::Cluster': () => `arn:${p}:kafka:${r}:${a}:cluster/${name()}/${UUID}-25`,
    };
    if (attribute === 'Arn' && arn[Type]) return arn[Type]();
    if (Type === 'AWS::EC2::SecurityGroup' && attribute === 'GroupId') return EC2_ID('sg');
    if (Type === 'AWS::EC2::LaunchTemplate' && /VersionNumber$/.test(attribute)) return '9'.repeat(10);
    if (Type === 'AWS::KMS::Key' && attribute === 'KeyId') return UUID;
    if (Type === 'AWS::SNS::Topic' && attribute === 'TopicArn') return arn[Type]!();
    if (Type === 'AWS::SQS::Queue' && attribute === 'QueueName') return name();
    throw new Error(`${stack}: no worst case for Fn::GetAtt ${logicalId}.${attribute} (${Type})`);
  }

  private sub(stack: string, template: string, vars: Record<string, unknown>, seen: ReadonlySet<string>): string {
    return template.replace(/\$\{(!?)([^}]+)\}/g, (_m, bang: string, name: string) => {
      if (bang) return `\${${name}}`;
      if (name in vars) return this.str(stack, vars[name], seen);
      if (name.includes('.') && !name.startsWith('AWS::')) {
        const [id, ...attr] = name.split('.');
        return this.getAtt(stack, id!, attr.join('.'), seen);
      }
      return this.ref(stack, name, seen);
    });
  }

  private importValue(exportName: string, seen: ReadonlySet<string>): string {
    for (const [stack, t] of Object.entries(this.templates)) {
      for (const output of Object.values(t.Outputs ?? {})) {
        if (output.Export && this.str(stack, output.Export.Name, seen) === exportName)
          return this.str(stack, output.Value, seen);
      }
    }
    throw new Error(`no stack exports ${exportName}`);
  }
}

export interface Measurement {
  /** `<stack>/<logical id>` (plus a detail where one resource has several). */
  where: string;
  bytes: number;
  limit: number;
}

/** Every resource of a type across the stacks' templates. */
export function templateResources(
  templates: Record<string, Pick<CfnTemplate, 'Resources'>>,
  type: string,
): { stack: string; id: string; resource: Resource }[] {
  return Object.entries(templates).flatMap(([stack, t]) =>
    Object.entries(t.Resources)
      .filter(([, r]) => r.Type === type)
      .map(([id, resource]) => ({ stack, id, resource })),
  );
}

/** A function's environment variables with references resolved to their worst case. */
export function resolvedEnvironment(
  templates: Record<string, CfnTemplate>,
  stack: string,
  logicalId: string,
  worst: WorstCase = WORST_CASE,
): Record<string, string> {
  const resolver = new WorstCaseResolver(templates, worst);
  const vars = ((
    templates[stack]!.Resources[logicalId]!.Properties?.Environment as
      | { Variables?: Record<string, unknown> }
      | undefined
  )?.Variables ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, resolver.str(stack, v)]));
}

/** Every Lambda function's environment (keys + values, UTF-8) with references resolved to their worst case. */
export function lambdaEnvironmentSizes(
  templates: Record<string, CfnTemplate>,
  worst: WorstCase = WORST_CASE,
): Measurement[] {
  const resolver = new WorstCaseResolver(templates, worst);
  return templateResources(templates, 'AWS::Lambda::Function').map(({ stack, id, resource }) => {
    const vars = ((resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables ?? {}) as Record<string, unknown>;
    const bytes = Object.entries(vars).reduce(
      (sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(resolver.str(stack, v)),
      0,
    );
    return { where: `${stack}/${id}`, bytes, limit: LIMITS.lambdaEnvironmentBytes };
  });
}

function directorySize(dir: string): number {
  return readdirSync(dir).reduce((sum, name) => {
    const p = join(dir, name);
    const st = statSync(p);
    return sum + (st.isDirectory() ? directorySize(p) : st.size);
  }, 0);
}

/** The staged asset folder an S3 key of the default synthesizer points at (`<hash>.zip` -> `asset.<hash>`). */
function assetSize(outdir: string, where: string, s3Key: unknown): number {
  if (typeof s3Key !== 'string') throw new Error(`${where}: S3Key is not a literal asset key`);
  const dir = join(outdir, `asset.${s3Key.replace(/\.zip$/, '')}`);
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new Error(`${where}: asset folder ${dir} is missing (synthesize with bundling)`);
  return directorySize(dir);
}

/** Unzipped size of every function's code plus its layers (staged asset folders in cdk.out; inline code by length). */
export function lambdaCodeSizes(outdir: string, templates: Record<string, CfnTemplate>): Measurement[] {
  return templateResources(templates, 'AWS::Lambda::Function').map(({ stack, id, resource }) => {
    const where = `${stack}/${id}`;
    const code = resource.Properties?.Code as { S3Key?: unknown; ZipFile?: string };
    let bytes = code.ZipFile !== undefined ? Buffer.byteLength(code.ZipFile) : assetSize(outdir, where, code.S3Key);
    for (const layer of (resource.Properties?.Layers as unknown[] | undefined) ?? []) {
      const ref = (layer as { Ref?: string }).Ref;
      const layerResource = ref ? templates[stack]!.Resources[ref] : undefined;
      if (layerResource?.Type !== 'AWS::Lambda::LayerVersion')
        throw new Error(`${where}: layer ${JSON.stringify(layer)} is not a layer of this app; its size is unknown`);
      bytes += assetSize(
        outdir,
        `${where} layer ${ref}`,
        (layerResource.Properties?.Content as { S3Key?: unknown } | undefined)?.S3Key,
      );
    }
    return { where, bytes, limit: LIMITS.lambdaUnzippedCodeBytes };
  });
}

/** Base64-encoded user data of every launch template and instance, references at their worst case. */
export function userDataSizes(templates: Record<string, CfnTemplate>, worst: WorstCase = WORST_CASE): Measurement[] {
  const resolver = new WorstCaseResolver(templates, worst);
  const base64Length = (stack: string, userData: unknown) => {
    // Templates carry Fn::Base64 (resolved to base64 already); a plain string is base64 by contract.
    return Buffer.byteLength(resolver.str(stack, userData));
  };
  const out: Measurement[] = [];
  for (const { stack, id, resource } of templateResources(templates, 'AWS::EC2::LaunchTemplate')) {
    const userData = (resource.Properties?.LaunchTemplateData as { UserData?: unknown } | undefined)?.UserData;
    if (userData !== undefined)
      out.push({ where: `${stack}/${id}`, bytes: base64Length(stack, userData), limit: LIMITS.userDataBase64Bytes });
  }
  for (const { stack, id, resource } of templateResources(templates, 'AWS::EC2::Instance')) {
    const userData = resource.Properties?.UserData;
    if (userData !== undefined)
      out.push({ where: `${stack}/${id}`, bytes: base64Length(stack, userData), limit: LIMITS.userDataBase64Bytes });
  }
  return out;
}

/** Base64 size of a user-data script as RunInstances receives it. */
export function base64Size(script: string): number {
  return 4 * Math.ceil(Buffer.byteLength(script) / 3);
}

export interface MapConcurrency {
  where: string;
  /** The Map state's MaxConcurrency; 0 or absent means unbounded. */
  maxConcurrency: number;
  /** Whether an iteration launches a trainer (it invokes a function whose metadata names `taskName`). */
  launchesTrainers: boolean;
}

/**
 * Every Map state of every state machine, and whether its iterations invoke the function whose
 * `metadataKey` metadata equals `taskName` (the trainer launch), found through the Task's ARN.
 */
/** An Amazon States Language state, as far as the Map bound reads it. */
interface AslState {
  Type: string;
  Resource?: unknown;
  Parameters?: { FunctionName?: unknown };
  MaxConcurrency?: number;
  ItemProcessor?: AslMachine;
  Iterator?: AslMachine;
  Branches?: AslMachine[];
}
interface AslMachine {
  States: Record<string, AslState>;
}
/** The state machines a Map or Parallel state runs. */
const nestedMachines = (s: AslState): AslMachine[] =>
  [s.ItemProcessor, s.Iterator, ...(s.Branches ?? [])].filter((m): m is AslMachine => m !== undefined);

export function mapStates(
  templates: Record<string, CfnTemplate>,
  metadataKey: string,
  taskName: string,
): MapConcurrency[] {
  const out: MapConcurrency[] = [];
  for (const { stack, id, resource } of templateResources(templates, 'AWS::StepFunctions::StateMachine')) {
    const marker = (logicalId: string, type: string) =>
      type === 'AWS::Lambda::Function' ? `fn-${logicalId}` : undefined;
    const resolver = new WorstCaseResolver(templates, WORST_CASE, marker);
    const props = resource.Properties ?? {};
    const definition = JSON.parse(
      resolver.str(stack, props.DefinitionString ?? JSON.stringify(props.Definition)),
    ) as AslMachine;
    const launchArns = templateResources(templates, 'AWS::Lambda::Function')
      .filter((f) => f.stack === stack && f.resource.Metadata?.[metadataKey] === taskName)
      .map((f) => `:function:fn-${f.id}`);
    const invokesLaunch = (states: Record<string, AslState>): boolean =>
      Object.values(states).some((s) => {
        const target = JSON.stringify([s.Resource, s.Parameters?.FunctionName]);
        if (s.Type === 'Task' && launchArns.some((arn) => target.includes(arn))) return true;
        const nested = nestedMachines(s);
        return nested.some((n) => invokesLaunch(n.States));
      });
    const walk = (states: Record<string, AslState>, path: string) => {
      for (const [name, s] of Object.entries(states)) {
        const nested = nestedMachines(s);
        if (s.Type === 'Map')
          out.push({
            where: `${stack}/${id}${path}/${name}`,
            maxConcurrency: Number(s.MaxConcurrency ?? 0),
            launchesTrainers: nested.some((n) => invokesLaunch(n.States)),
          });
        for (const n of nested) walk(n.States, `${path}/${name}`);
      }
    };
    walk(definition.States, '');
  }
  return out;
}

/**
 * Problems with the trainer Maps' concurrency: each must be bounded (MaxConcurrency 0 is unbounded)
 * and, on the EC2 backend, MaxConcurrency x the vCPUs of every fallback instance type must fit the
 * spot quota of that type's group (all running shards may land on the same fallback).
 */
export function trainerConcurrencyProblems(
  maps: MapConcurrency[],
  training: { backend: string; instanceTypes: readonly string[]; spotVcpuQuota: Readonly<Record<string, number>> },
): string[] {
  const trainers = maps.filter((m) => m.launchesTrainers);
  if (trainers.length === 0) return ['no Map state launches trainers'];
  return trainers.flatMap((m) => {
    if (m.maxConcurrency < 1) return [`${m.where}: MaxConcurrency ${m.maxConcurrency} is unbounded`];
    if (training.backend !== 'ec2') return [];
    return training.instanceTypes.flatMap((type) => {
      const spec = INSTANCE_TYPES[type];
      if (!spec) return [`${m.where}: ${type} has no vCPU entry`];
      const quota = training.spotVcpuQuota[spec.spotQuota] ?? 0;
      const vcpus = m.maxConcurrency * spec.vcpus;
      return vcpus > quota
        ? [`${m.where}: ${m.maxConcurrency} x ${type} = ${vcpus} vCPUs > ${quota} (${spec.spotQuota})`]
        : [];
    });
  });
}

/** Measurements over their limit, as readable lines (empty when all fit). */
export function overLimit(measurements: Measurement[]): string[] {
  return measurements.filter((m) => m.bytes > m.limit).map((m) => `${m.where}: ${m.bytes} B > ${m.limit} B`);
}

/** The largest measurement, for reporting headroom. */
export function largest(measurements: Measurement[]): Measurement | undefined {
  return measurements.reduce<Measurement | undefined>((max, m) => (!max || m.bytes > max.bytes ? m : max), undefined);
}
