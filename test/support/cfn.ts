/** A policy statement as a template writes it: one value or a list where IAM takes either. */
export interface CfnStatement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: unknown;
}

/**
 * The resource properties the static tests read, typed as CloudFormation defines them. A resource has those of its
 * type; a test reads only properties of the resource type it selected.
 */
export interface CfnProperties {
  PolicyDocument: { Statement: CfnStatement[] };
  Policies?: { PolicyDocument: { Statement: CfnStatement[] } }[];
  AssumeRolePolicyDocument: { Statement: CfnStatement[] };
  Code: { S3Key?: unknown; S3Bucket?: unknown; ZipFile?: unknown };
  Environment: { Variables: Record<string, unknown> };
  LoggingConfig: { LogGroup?: unknown; LogFormat?: string };
  BucketEncryption: {
    ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: string } }];
  };
  VersioningConfiguration?: { Status: string };
  LoggingConfiguration?: { DestinationBucketName?: unknown };
  LifecycleConfiguration?: { Rules?: { NoncurrentVersionExpiration?: unknown }[] };
  Topics: unknown[];
  DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [string, string] } } };
  LaunchTemplateData: { UserData?: unknown };
  [property: string]: unknown;
}
