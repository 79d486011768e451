import { paginateDescribeInstances, type EC2Client, type Filter, type Instance } from '@aws-sdk/client-ec2';

/** Pending or running instances that carry every given tag (all pages), for the stop-run task and the sweeper. */
export async function runningTrainers(ec2: EC2Client, tags: Record<string, string>): Promise<Instance[]> {
  const Filters: Filter[] = [
    ...Object.entries(tags).map(([key, value]) => ({ Name: `tag:${key}`, Values: [value] })),
    { Name: 'instance-state-name', Values: ['pending', 'running'] },
  ];
  const out: Instance[] = [];
  for await (const page of paginateDescribeInstances({ client: ec2 }, { Filters })) {
    for (const r of page.Reservations ?? []) out.push(...(r.Instances ?? []));
  }
  return out;
}
