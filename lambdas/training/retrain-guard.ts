import { DescribeExecutionCommand, ListExecutionsCommand, type SFNClient } from '@aws-sdk/client-sfn';

/**
 * A running retrain execution whose configs overlap `configs` (undefined = every config), if any. The
 * triggers call it before starting, so a drift alarm, a degradation and new data arriving together start
 * one execution for a config, not three; a config retrains again once its running execution ends.
 */
export async function overlappingRetrain(
  client: SFNClient,
  stateMachineArn: string,
  configs: readonly string[] | undefined,
): Promise<string | undefined> {
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING', nextToken: token }),
    );
    for (const e of page.executions ?? []) {
      const described = await client.send(new DescribeExecutionCommand({ executionArn: e.executionArn }));
      const running = (JSON.parse(described.input ?? '{}') as { configs?: string[] }).configs;
      if (!configs || !running || running.some((k) => configs.includes(k))) return e.executionArn;
    }
    token = page.nextToken;
  } while (token);
  return undefined;
}
