import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { readTemplates, type Template } from '../../static/infra/template-helpers.js';
import type { Synthesized } from '../../static/infra/synthesize.js';

/** The account the resolved templates are "deployed" into; recorded calls are mapped into it too. */
export const DEPLOY_ACCOUNT = '123456789012';
export const DEPLOY_PARTITION = 'aws';

export interface PolicyDocument {
  Version?: string;
  Statement: Record<string, any>[];
}

export interface FunctionRole {
  /** `<stack>/<function logical id>`: how failures name the handler. */
  readonly handler: string;
  readonly roleArn: string;
  readonly policies: { name: string; document: PolicyDocument }[];
  /** The function's environment as deployed (intrinsics resolved). */
  readonly environment: Record<string, string>;
}

/** AWS managed policies the app attaches, by name (only what they grant to SDK calls matters here). */
const AWS_MANAGED: Record<string, PolicyDocument> = {
  AWSLambdaBasicExecutionRole: {
    Statement: [
      { Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' },
    ],
  },
};

type Resource = Template['Resources'][string] & { Properties?: Record<string, any> };

/** Resource types whose Ref is their name property (the logical id when the template leaves it unnamed). */
const NAME_PROPERTY: Partial<Record<string, string>> = {
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::InstanceProfile': 'InstanceProfileName',
  'AWS::Lambda::Function': 'FunctionName',
};

/** Resource types whose Ref is an id: a stand-in made of the type's id prefix and the logical id. */
const ID_PREFIX: Partial<Record<string, string>> = {
  'AWS::KMS::Key': 'key',
  'AWS::EC2::LaunchTemplate': 'lt',
  'AWS::EC2::Subnet': 'subnet',
  'AWS::EC2::SecurityGroup': 'sg',
  'AWS::EC2::VPC': 'vpc',
};

/**
 * The synthesized app as if deployed into DEPLOY_ACCOUNT in the config's region: one resolver for
 * every intrinsic the templates use (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split,
 * Fn::ImportValue, pseudo parameters) giving each resource a deterministic physical id or ARN, so
 * policies, key policies, bucket encryption and function environments all name the same things.
 */
export class DeployedApp {
  readonly templates: Record<string, Template & { Outputs?: Record<string, any>; Parameters?: Record<string, any> }>;
  readonly region: string;
  readonly account = DEPLOY_ACCOUNT;
  readonly partition = DEPLOY_PARTITION;
  private readonly exports = new Map<string, { stack: string; value: unknown }>();

  constructor(synth: Synthesized, region: string) {
    this.templates = readTemplates(synth.outdir) as DeployedApp['templates'];
    this.region = region;
    for (const [stack, t] of Object.entries(this.templates)) {
      for (const out of Object.values(t.Outputs ?? {})) {
        const name = out.Export?.Name;
        if (typeof name === 'string') this.exports.set(name, { stack, value: out.Value });
      }
    }
  }

  private resource(stack: string, logicalId: string): Resource {
    const r = this.templates[stack]?.Resources[logicalId];
    if (!r) throw new Error(`${stack} has no resource ${logicalId}`);
    return r as Resource;
  }

  private prop(stack: string, logicalId: string, name: string): string | undefined {
    const v = this.resource(stack, logicalId).Properties?.[name];
    return v === undefined ? undefined : String(this.resolve(stack, v));
  }

  private ref(stack: string, name: string): unknown {
    switch (name) {
      case 'AWS::Partition':
        return this.partition;
      case 'AWS::Region':
        return this.region;
      case 'AWS::AccountId':
        return this.account;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return stack;
      case 'AWS::NoValue':
        return undefined;
    }
    const param = this.templates[stack]?.Parameters?.[name];
    if (param) return String(param.Type).includes('AWS::EC2::Image::Id') ? 'ami-0123456789abcdef0' : `resolved-${name}`;
    const r = this.resource(stack, name);
    const lower = name.toLowerCase();
    const named = NAME_PROPERTY[r.Type];
    if (named) return this.prop(stack, name, named) ?? name;
    const prefix = ID_PREFIX[r.Type];
    if (prefix) return `${prefix}-${lower}`;
    switch (r.Type) {
      case 'AWS::S3::Bucket':
        return this.prop(stack, name, 'BucketName') ?? lower;
      case 'AWS::SNS::Topic':
        return this.getAtt(stack, name, 'TopicArn');
      case 'AWS::SQS::Queue':
        return `https://sqs.${this.region}.amazonaws.com/${this.account}/${this.prop(stack, name, 'QueueName') ?? name}`;
      case 'AWS::MSK::ServerlessCluster':
      case 'AWS::MSK::Cluster':
      case 'AWS::StepFunctions::StateMachine':
        return this.getAtt(stack, name, 'Arn');
      default:
        return name;
    }
  }

  private getAtt(stack: string, name: string, attribute: string): unknown {
    const r = this.resource(stack, name);
    const { partition: p, region, account } = this;
    switch (`${r.Type}.${attribute}`) {
      case 'AWS::S3::Bucket.Arn':
        return `arn:${p}:s3:::${this.ref(stack, name)}`;
      case 'AWS::DynamoDB::Table.Arn':
        return `arn:${p}:dynamodb:${region}:${account}:table/${this.ref(stack, name)}`;
      case 'AWS::KMS::Key.Arn':
        return `arn:${p}:kms:${region}:${account}:key/${this.ref(stack, name)}`;
      case 'AWS::KMS::Key.KeyId':
        return this.ref(stack, name);
      case 'AWS::SNS::Topic.TopicArn':
        return `arn:${p}:sns:${region}:${account}:${this.prop(stack, name, 'TopicName') ?? name}`;
      case 'AWS::SNS::Topic.TopicName':
        return this.prop(stack, name, 'TopicName') ?? name;
      case 'AWS::SQS::Queue.Arn':
        return `arn:${p}:sqs:${region}:${account}:${this.prop(stack, name, 'QueueName') ?? name}`;
      case 'AWS::SQS::Queue.QueueName':
        return this.prop(stack, name, 'QueueName') ?? name;
      case 'AWS::IAM::Role.Arn':
        return `arn:${p}:iam::${account}:role/${this.ref(stack, name)}`;
      case 'AWS::IAM::InstanceProfile.Arn':
        return `arn:${p}:iam::${account}:instance-profile/${this.ref(stack, name)}`;
      case 'AWS::Lambda::Function.Arn':
        return `arn:${p}:lambda:${region}:${account}:function:${this.ref(stack, name)}`;
      case 'AWS::EC2::LaunchTemplate.LaunchTemplateId':
        return this.ref(stack, name);
      case 'AWS::EC2::LaunchTemplate.LatestVersionNumber':
      case 'AWS::EC2::LaunchTemplate.DefaultVersionNumber':
        return '1';
      case 'AWS::EC2::SecurityGroup.GroupId':
        return this.ref(stack, name);
      case 'AWS::MSK::ServerlessCluster.Arn':
      case 'AWS::MSK::Cluster.Arn':
        return `arn:${p}:kafka:${region}:${account}:cluster/${this.prop(stack, name, 'ClusterName') ?? name}/0b7e4c1d-6f5a-4e2b-9c3d-2a1b0c9d8e7f-s1`;
      case 'AWS::StepFunctions::StateMachine.Arn':
        return `arn:${p}:states:${region}:${account}:stateMachine:${this.prop(stack, name, 'StateMachineName') ?? name}`;
      case 'AWS::StepFunctions::StateMachine.Name':
        return this.prop(stack, name, 'StateMachineName') ?? name;
      case 'AWS::KinesisFirehose::DeliveryStream.Arn': {
        const streamName = this.prop(stack, name, 'DeliveryStreamName') ?? name;
        return `arn:${p}:firehose:${region}:${account}:deliverystream/${streamName}`;
      }
      case 'AWS::Logs::LogGroup.Arn':
        return `arn:${p}:logs:${region}:${account}:log-group:${this.prop(stack, name, 'LogGroupName') ?? name}:*`;
      default:
        return `arn:${p}:unresolved:${region}:${account}:${r.Type}/${name}/${attribute}`;
    }
  }

  /** Resolves every intrinsic in `value`, as CloudFormation would in `stack`. */
  resolve(stack: string, value: unknown): any {
    if (Array.isArray(value)) return value.map((v) => this.resolve(stack, v));
    if (value === null || typeof value !== 'object') return value;
    const o = value as Record<string, any>;
    const keys = Object.keys(o);
    if (keys.length === 1) {
      const [k] = keys as [string];
      const arg = o[k];
      switch (k) {
        case 'Ref':
          return this.ref(stack, arg);
        case 'Fn::GetAtt': {
          const [name, attribute] =
            typeof arg === 'string' ? (arg.split('.') as [string, string]) : (arg as [string, string]);
          return this.getAtt(stack, name, attribute);
        }
        case 'Fn::Join':
          return (this.resolve(stack, arg[1]) as unknown[]).join(arg[0]);
        case 'Fn::Select':
          return (this.resolve(stack, arg[1]) as unknown[])[Number(this.resolve(stack, arg[0]))];
        case 'Fn::Split':
          return String(this.resolve(stack, arg[1])).split(arg[0]);
        case 'Fn::ImportValue': {
          const name = this.resolve(stack, arg) as string;
          const exported = this.exports.get(name);
          if (!exported) throw new Error(`no stack exports ${name}`);
          return this.resolve(exported.stack, exported.value);
        }
        case 'Fn::Sub': {
          const [text, vars] = typeof arg === 'string' ? [arg, {}] : (arg as [string, Record<string, unknown>]);
          return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
            if (name in vars) return String(this.resolve(stack, vars[name]));
            return String(
              name.includes('.') && !name.startsWith('AWS::')
                ? this.resolve(stack, { 'Fn::GetAtt': name })
                : this.ref(stack, name),
            );
          });
        }
        case 'Fn::GetAZs':
          return ['a', 'b', 'c'].map((z) => `${this.region}${z}`);
      }
    }
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, this.resolve(stack, v)]));
  }

  /** Stack name and logical id of a construct's CloudFormation resource (e.g. a SignalForgeFunction). */
  static locate(construct: IConstruct): { stack: string; logicalId: string } {
    const stack = Stack.of(construct);
    const child = (construct.node.defaultChild ?? construct) as IConstruct;
    return { stack: stack.stackName, logicalId: stack.getLogicalId(child as never) };
  }

  /** The function's execution role and every identity policy attached to it, resolved. */
  functionRole(construct: IConstruct): FunctionRole {
    const { stack, logicalId } = DeployedApp.locate(construct);
    const fn = this.resource(stack, logicalId);
    if (fn.Type !== 'AWS::Lambda::Function') throw new Error(`${stack}/${logicalId} is a ${fn.Type}, not a function`);
    const roleRef = fn.Properties!.Role as { 'Fn::GetAtt': [string, string] };
    return {
      ...this.roleByLogicalId(stack, roleRef['Fn::GetAtt'][0]),
      handler: `${stack}/${logicalId}`,
      environment: this.resolve(stack, fn.Properties!.Environment?.Variables ?? {}),
    };
  }

  /** A role construct (e.g. the SageMaker execution role) and its identity policies, resolved. */
  role(construct: IConstruct): Omit<FunctionRole, 'handler' | 'environment'> {
    const { stack, logicalId } = DeployedApp.locate(construct);
    return this.roleByLogicalId(stack, logicalId);
  }

  roleByLogicalId(stack: string, roleId: string): Omit<FunctionRole, 'handler' | 'environment'> {
    const role = this.resource(stack, roleId);
    const policies: FunctionRole['policies'] = [];
    for (const p of (role.Properties?.Policies ?? []) as { PolicyName: string; PolicyDocument: unknown }[])
      policies.push({ name: p.PolicyName, document: this.resolve(stack, p.PolicyDocument) });
    for (const arn of this.resolve(stack, role.Properties?.ManagedPolicyArns ?? []) as string[]) {
      const name = arn.split('/').pop()!;
      const doc = AWS_MANAGED[name];
      if (!doc) throw new Error(`role ${roleId} attaches ${arn}, which the IAM harness does not know`);
      policies.push({ name, document: doc });
    }
    for (const [id, r] of Object.entries(this.templates[stack]!.Resources)) {
      if (r.Type !== 'AWS::IAM::Policy' && r.Type !== 'AWS::IAM::ManagedPolicy') continue;
      const roles = (r.Properties?.Roles ?? []) as { Ref?: string }[];
      if (roles.some((x) => x.Ref === roleId))
        policies.push({ name: id, document: this.resolve(stack, r.Properties!.PolicyDocument) });
    }
    return { roleArn: this.getAtt(stack, roleId, 'Arn') as string, policies };
  }

  /** Every resource of a type across stacks, with resolved properties. */
  resourcesOfType(type: string): { stack: string; logicalId: string; props: Record<string, any> }[] {
    return Object.entries(this.templates).flatMap(([stack, t]) =>
      Object.entries(t.Resources)
        .filter(([, r]) => r.Type === type)
        .map(([logicalId, r]) => ({ stack, logicalId, props: this.resolve(stack, r.Properties ?? {}) })),
    );
  }

  /** The key policy of the KMS key with this ARN. */
  keyPolicy(keyArn: string): PolicyDocument | undefined {
    return this.resourcesOfType('AWS::KMS::Key').find((k) => this.getAtt(k.stack, k.logicalId, 'Arn') === keyArn)?.props
      .KeyPolicy;
  }

  /** The customer KMS key S3 encrypts new objects of this bucket with, if any. */
  bucketKey(bucket: string): string | undefined {
    const b = this.resourcesOfType('AWS::S3::Bucket').find((x) => x.props.BucketName === bucket);
    const rule = b?.props.BucketEncryption?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault;
    return rule?.SSEAlgorithm === 'aws:kms' ? rule.KMSMasterKeyID : undefined;
  }

  bucketPolicy(bucket: string): PolicyDocument | undefined {
    const bucketRef = this.resourcesOfType('AWS::S3::Bucket').find((x) => x.props.BucketName === bucket);
    if (!bucketRef) return undefined;
    return this.resourcesOfType('AWS::S3::BucketPolicy').find(
      (p) => p.stack === bucketRef.stack && p.props.Bucket === bucket,
    )?.props.PolicyDocument;
  }

  tableKey(table: string): string | undefined {
    const t = this.resourcesOfType('AWS::DynamoDB::Table').find((x) => x.props.TableName === table);
    return t?.props.SSESpecification?.SSEEnabled && t.props.SSESpecification.KMSMasterKeyId
      ? t.props.SSESpecification.KMSMasterKeyId
      : undefined;
  }

  topicKey(topicArn: string): string | undefined {
    const t = this.resourcesOfType('AWS::SNS::Topic').find(
      (x) => this.getAtt(x.stack, x.logicalId, 'TopicArn') === topicArn,
    );
    return t?.props.KmsMasterKeyId;
  }

  /** What a RunInstances call with this launch template passes and encrypts implicitly. */
  launchTemplate(id: string): { instanceRoleArns: string[]; volumeKeys: string[]; imageId?: string } | undefined {
    const lt = this.resourcesOfType('AWS::EC2::LaunchTemplate').find((x) => this.ref(x.stack, x.logicalId) === id);
    if (!lt) return undefined;
    const data = lt.props.LaunchTemplateData ?? {};
    const profileArn: string | undefined = data.IamInstanceProfile?.Arn;
    const profile = this.resourcesOfType('AWS::IAM::InstanceProfile').find(
      (p) => this.getAtt(p.stack, p.logicalId, 'Arn') === profileArn,
    );
    const instanceRoleArns = ((profile?.props.Roles ?? []) as string[]).map(
      (name) => `arn:${this.partition}:iam::${this.account}:role/${name}`,
    );
    const volumeKeys = ((data.BlockDeviceMappings ?? []) as { Ebs?: { KmsKeyId?: string } }[]).flatMap((b) =>
      b.Ebs?.KmsKeyId ? [b.Ebs.KmsKeyId] : [],
    );
    return { instanceRoleArns, volumeKeys, imageId: data.ImageId };
  }
}
