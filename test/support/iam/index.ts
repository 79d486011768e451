import { rmSync } from 'node:fs';
import { expect } from 'vitest';
import type { ConfigOverrides } from '../../../core/config/index.js';
import { loadConfig } from '../../../core/config/index.js';
import { synthesizeApp, type Synthesized } from '../../static/infra/synthesize.js';
import { checkRecordedCalls, type NameMap } from './check-calls.js';
import { DeployedApp, type FunctionRole } from './deployed-app.js';
import { recordedCalls } from './recorder.js';

export {
  asHandler,
  clearRecordedCalls,
  installAwsCallRecorder,
  outsideHandler,
  recordedCalls,
  runAs,
  type CallInput,
  type CallOutput,
  type RecordedCall,
} from './recorder.js';
export { DeployedApp, DEPLOY_ACCOUNT, type FunctionRole, type PolicyDocument } from './deployed-app.js';
export { checkRecordedCalls, deployedCall, simulateRequest, type IamFailure, type NameMap } from './check-calls.js';
export { iamRequestsFor, type IamRequest } from './iam-requests.js';

/**
 * The app synthesized once for a test file (no bundling: templates only) and resolved as deployed.
 * Recorded calls are per process (vitest isolates test files); `clearRecordedCalls` starts over.
 */
export function deployedApp(overrides?: ConfigOverrides): { synth: Synthesized; app: DeployedApp } {
  const config = loadConfig({ env: {}, overrides });
  const synth = synthesizeApp(overrides, { bundling: false });
  const app = new DeployedApp(synth, config.region);
  // The templates are read; the cloud assembly on disk is not needed any more.
  rmSync(synth.outdir, { recursive: true, force: true });
  return { synth, app };
}

/**
 * Fails the test with every call a handler made that its deployed role would not allow, and if any
 * of `roles` made no AWS call at all (a run that exercised nothing proves nothing), except those in
 * `options.noCalls`, which must have made none (e.g. a task that only computes).
 */
export async function expectCallsAllowed(
  app: DeployedApp,
  roles: readonly FunctionRole[],
  names: NameMap = {},
  options: { noCalls?: readonly FunctionRole[] } = {},
): Promise<{ checked: number }> {
  const all = [...roles, ...(options.noCalls ?? [])];
  const { failures, checked, handlers } = await checkRecordedCalls({ app, roles: all, calls: recordedCalls(), names });
  const idle = roles.filter((r) => !handlers.has(r.handler)).map((r) => r.handler);
  expect(idle, 'handlers that made no AWS call during the run').toEqual([]);
  expect(
    (options.noCalls ?? []).filter((r) => handlers.has(r.handler)).map((r) => r.handler),
    'handlers expected to make no AWS call',
  ).toEqual([]);
  expect(
    failures.map((f) => f.message),
    `${failures.length} call(s) the deployed policies do not allow`,
  ).toEqual([]);
  return { checked };
}
