import { RemovalPolicy } from 'aws-cdk-lib';
import {
  FlowLogDestination,
  Peer,
  Port,
  FlowLogTrafficType,
  GatewayVpcEndpointAwsService,
  InterfaceVpcEndpointAwsService,
  IpAddresses,
  SubnetType,
  Vpc,
  type SubnetSelection,
} from 'aws-cdk-lib/aws-ec2';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { NetworkProps } from './network-props.js';

export type { NetworkProps } from './network-props.js';

/** Address range of the SignalForge VPC. */
export const VPC_CIDR = '10.40.0.0/16';

/**
 * The VPC: `ingress` public subnets hold only NAT gateways; `compute` (private, egress via NAT) holds
 * the spot trainers; `data` (isolated) holds MSK and every VPC Lambda. Gateway endpoints serve S3 and
 * DynamoDB; interface endpoints serve exactly the APIs that isolated workloads call:
 * Lambda and STS (required by the MSK event source mapping, which runs in the cluster's subnets),
 * SQS (the mapping's on-failure destination) and Kafka (GetBootstrapBrokers from producers and the
 * topic resource). No Secrets Manager endpoint: IAM auth needs no SCRAM secret.
 */
export class Network extends Construct {
  readonly vpc: Vpc;
  /** Isolated subnets for MSK and the Lambdas that talk to it. */
  readonly dataSubnets: SubnetSelection = { subnetGroupName: 'data' };
  /** Private subnets with NAT egress for GPU trainers. */
  readonly computeSubnets: SubnetSelection = { subnetGroupName: 'compute' };

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const flowLogs = new LogGroup(this, 'FlowLogs', {
      retention: RetentionDays.THREE_MONTHS,
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.vpc = new Vpc(this, 'Vpc', {
      ipAddresses: IpAddresses.cidr(VPC_CIDR),
      maxAzs: props.maxAzs ?? 2,
      natGateways: props.natGateways ?? 1,
      subnetConfiguration: [
        { name: 'ingress', subnetType: SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: 'compute', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
        { name: 'data', subnetType: SubnetType.PRIVATE_ISOLATED, cidrMask: 22 },
      ],
      gatewayEndpoints: {
        S3: { service: GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: GatewayVpcEndpointAwsService.DYNAMODB },
      },
      flowLogs: {
        all: { destination: FlowLogDestination.toCloudWatchLogs(flowLogs), trafficType: FlowLogTrafficType.ALL },
      },
    });
    const endpoints = {
      Lambda: InterfaceVpcEndpointAwsService.LAMBDA,
      Sts: InterfaceVpcEndpointAwsService.STS,
      Sqs: InterfaceVpcEndpointAwsService.SQS,
      Kafka: InterfaceVpcEndpointAwsService.KAFKA,
    };
    for (const [name, service] of Object.entries(endpoints)) {
      const endpoint = this.vpc.addInterfaceEndpoint(name, {
        service,
        subnets: this.dataSubnets,
        privateDnsEnabled: true,
        open: false,
      });
      // A literal CIDR (not the VPC's CidrBlock attribute) so the rule is reviewable, and cdk-nag can check it.
      endpoint.connections.allowFrom(Peer.ipv4(VPC_CIDR), Port.tcp(443), 'HTTPS from inside the SignalForge VPC');
    }
  }
}
