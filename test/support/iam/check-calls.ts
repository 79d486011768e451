import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import type { DeployedApp, FunctionRole, PolicyDocument } from './deployed-app.js';
import { iamRequestsFor, launchTags, type IamRequest } from './iam-requests.js';
import type { CallInput, RecordedCall } from './recorder.js';

/**
 * How the test's emulator resources map to the deployed ones: unique moto bucket/table/topic names
 * and ids to the names the templates give them (`exact`), and object keys to deployed keys (e.g. a
 * test's topic namespace removed from `topic=<ns>.<topic>`).
 */
export interface NameMap {
  readonly exact?: Record<string, string>;
  readonly s3Key?: (key: string) => string;
}

export interface IamFailure {
  readonly handler: string;
  readonly call: string;
  readonly request: IamRequest;
  readonly decision: string;
  readonly message: string;
}

function renameInput(value: unknown, names: NameMap, field = ''): unknown {
  if (typeof value === 'string') {
    const exact = names.exact?.[value];
    if (exact !== undefined) return exact;
    return names.s3Key && (field === 'Key' || field === 'Prefix') ? names.s3Key(value) : value;
  }
  if (Array.isArray(value)) return value.map((v) => renameInput(v, names, field));
  // Only plain data: bodies (buffers, streams) are left as they are.
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renameInput(v, names, k)]));
  return value;
}

/** Renames a recorded call's input into the deployed app's names. */
export function deployedCall(call: RecordedCall, names: NameMap): RecordedCall {
  return { ...call, input: renameInput(call.input, names) as CallInput };
}

function resourcePolicyFor(app: DeployedApp, request: IamRequest): PolicyDocument | undefined {
  if (request.action.startsWith('kms:')) return app.keyPolicy(request.resource);
  if (request.action.startsWith('s3:'))
    return app.bucketPolicy(request.resource.slice(request.resource.indexOf(':::') + 3).split('/')[0]!);
  return undefined;
}

function missingStatement(request: IamRequest): string {
  const conditions = Object.entries(request.context).filter(
    ([k]) => k !== 'aws:SecureTransport' && k !== 'kms:ViaService',
  );
  const condition = conditions.length ? { StringEquals: Object.fromEntries(conditions) } : undefined;
  return JSON.stringify({
    Effect: 'Allow',
    Action: request.action,
    Resource: request.resource,
    ...(condition ? { Condition: condition } : {}),
  });
}

function statementsFor(role: FunctionRole, action: string): string[] {
  const [service] = action.split(':');
  return role.policies.flatMap((p) =>
    p.document.Statement.filter((s) =>
      [s.Action].flat().some((a: string) => a === '*' || a.startsWith(`${service}:`)),
    ).map((s) => `${p.name}: ${JSON.stringify(s)}`),
  );
}

/**
 * IAM's decision for `request` made by `role`: 'Allowed', 'ImplicitlyDenied', 'ExplicitlyDenied' or why it could not be
 * simulated.
 */
export async function simulateRequest(
  app: DeployedApp,
  role: Pick<FunctionRole, 'roleArn' | 'policies'>,
  request: IamRequest,
): Promise<string> {
  const simulation = {
    identityPolicies: role.policies.map((p) => ({ name: p.name, policy: p.document })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: resourcePolicyFor(app, request),
    request: {
      principal: role.roleArn,
      action: request.action,
      resource: { resource: request.resource, accountId: app.account },
      contextVariables: { 'aws:SecureTransport': 'true', 'aws:PrincipalAccount': app.account, ...request.context },
    },
  } as Simulation;
  const result = await runSimulation(simulation, {});
  return result.resultType === 'error' ? `invalid simulation: ${JSON.stringify(result.errors)}` : result.overallResult;
}

/**
 * Evaluates every AWS call each handler made against the IAM policies the synthesized template gives
 * that function's role (plus the key or bucket policy for KMS and S3), with @cloud-copilot/iam-simulate.
 * Returns one failure per distinct (handler, action, resource, context) that IAM would not allow.
 */
export async function checkRecordedCalls(options: {
  app: DeployedApp;
  roles: readonly FunctionRole[];
  calls: readonly RecordedCall[];
  names?: NameMap;
}): Promise<{ failures: IamFailure[]; checked: number; handlers: Set<string> }> {
  const { app } = options;
  const roles = new Map(options.roles.map((r) => [r.handler, r]));
  const calls = options.calls.filter((c) => roles.has(c.handler)).map((c) => deployedCall(c, options.names ?? {}));
  const ctx = { app, ec2Tags: launchTags(calls) };
  const seen = new Set<string>();
  const failures: IamFailure[] = [];
  const handlers = new Set<string>();
  for (const call of calls) {
    const role = roles.get(call.handler)!;
    handlers.add(call.handler);
    for (const request of iamRequestsFor(call, ctx)) {
      const id = JSON.stringify([call.handler, request.action, request.resource, request.context]);
      if (seen.has(id)) continue;
      seen.add(id);
      const decision = await simulateRequest(app, role, request);
      if (decision === 'Allowed') continue;
      const callName = `${call.client.replace(/Client$/, '')} ${call.command}`;
      const existing = statementsFor(role, request.action);
      failures.push({
        handler: call.handler,
        call: callName,
        request,
        decision,
        message: [
          `${call.handler} (role ${role.roleArn}): ${callName} needs ${request.action} on ${request.resource}${Object.keys(request.context).length ? ` with ${JSON.stringify(request.context)}` : ''}: ${decision}`,
          ...(request.implicit ? [`  implicit: ${request.implicit}`] : []),
          `  missing statement: ${missingStatement(request)}`,
          ...(existing.length
            ? ["  the role's statements for this service:", ...existing.map((s) => `    ${s}`)]
            : ['  the role has no statement for this service']),
        ].join('\n'),
      });
    }
  }
  return { failures, checked: seen.size, handlers };
}
