import { DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { bootstrapRequirement, CDK_TOOLKIT_STACK_NAME } from '../bootstrap-requirement.js';
import { errorName, type CheckResult, type PreflightCheck } from '../types.js';

/** The check's row in the report. */
export const CDK_BOOTSTRAP = { id: 'cdk-bootstrap', title: 'CDK bootstrap stack' } as const;
const { id, title } = CDK_BOOTSTRAP;

/** Statuses in which the toolkit stack's bucket and roles exist and a deploy can use them. */
const USABLE = new Set([
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'UPDATE_ROLLBACK_COMPLETE',
  'IMPORT_COMPLETE',
  'IMPORT_ROLLBACK_COMPLETE',
]);

/** `CDKToolkit` exists in a usable state and its version parameter is at least what aws-cdk-lib requires. */
export const checkCdkBootstrap: PreflightCheck = async (clients, _config, { account }) => {
  const bootstrap = `npx cdk bootstrap aws://${account}/${clients.region}`;
  const { minVersion, versionParameter } = bootstrapRequirement();
  let stack: Stack | undefined;
  try {
    stack = (await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: CDK_TOOLKIT_STACK_NAME })))
      .Stacks?.[0];
  } catch (err) {
    // CloudFormation answers a missing stack with ValidationError "Stack with id CDKToolkit does not exist".
    if (errorName(err) !== 'ValidationError' || !/does not exist/.test((err as Error).message)) throw err;
  }
  if (!stack)
    return {
      id,
      title,
      status: 'fail',
      detail: `no ${CDK_TOOLKIT_STACK_NAME} stack in ${clients.region}`,
      fix: bootstrap,
    };
  const status = stack.StackStatus ?? 'UNKNOWN';
  if (!USABLE.has(status)) {
    const fix = status.endsWith('_IN_PROGRESS')
      ? `wait for ${CDK_TOOLKIT_STACK_NAME} to settle (aws cloudformation describe-stacks --stack-name ${CDK_TOOLKIT_STACK_NAME} --region ${clients.region}), then rerun preflight`
      : `delete the broken stack (aws cloudformation delete-stack --stack-name ${CDK_TOOLKIT_STACK_NAME} --region ${clients.region}; its bucket is retained), then ${bootstrap}`;
    return { id, title, status: 'fail', detail: `${CDK_TOOLKIT_STACK_NAME} is ${status}`, fix };
  }
  const output = stack.Outputs?.find((o) => o.OutputKey === 'BootstrapVersion')?.OutputValue;
  // The deploy reads this parameter (each stack's BootstrapVersion template parameter), not the output.
  let installed: string | undefined;
  try {
    installed = (await clients.ssm.send(new GetParameterCommand({ Name: versionParameter }))).Parameter?.Value;
  } catch (err) {
    if (errorName(err) !== 'ParameterNotFound') throw err;
  }
  if (installed === undefined) {
    return {
      id,
      title,
      status: 'fail',
      detail: `${CDK_TOOLKIT_STACK_NAME} is ${status} but ${versionParameter} is missing (bootstrapped with another qualifier?)`,
      fix: bootstrap,
    };
  }
  const version = Number(installed);
  const seen = `${CDK_TOOLKIT_STACK_NAME} ${status}, ${versionParameter} = ${installed}${output !== undefined && output !== installed ? ` (stack output says ${output})` : ''}`;
  if (!Number.isInteger(version) || version < minVersion) {
    return {
      id,
      title,
      status: 'fail',
      detail: `${seen}; the app needs >= ${minVersion}`,
      fix: `${bootstrap} (upgrades the toolkit stack in place)`,
    };
  }
  const result: CheckResult = { id, title, status: 'pass', detail: `${seen} (app needs >= ${minVersion})` };
  if (status === 'UPDATE_ROLLBACK_COMPLETE') {
    return {
      ...result,
      status: 'warn',
      detail: `${result.detail}; its last update rolled back`,
      fix: `${bootstrap} to retry the update`,
    };
  }
  return result;
};
