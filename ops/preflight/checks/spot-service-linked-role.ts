import { GetRoleCommand } from '@aws-sdk/client-iam';
import { errorName, type PreflightCheck } from '../types.js';

/** The check's row in the report. */
export const SPOT_SERVICE_LINKED_ROLE = {
  id: 'spot-service-linked-role',
  title: 'EC2 spot service-linked role',
} as const;
const { id, title } = SPOT_SERVICE_LINKED_ROLE;
export const SPOT_SERVICE_LINKED_ROLE_NAME = 'AWSServiceRoleForEC2Spot';

/**
 * EC2 needs this role to launch spot instances. An account that never ran one lacks it, and the
 * first launch creates it only when the caller may call iam:CreateServiceLinkedRole, so a missing
 * role is a warning with the command that creates it.
 */
export const checkSpotServiceLinkedRole: PreflightCheck = async (clients, config) => {
  if (config.training.backend !== 'ec2')
    return { id, title, status: 'skip', detail: `training.backend is ${config.training.backend}` };
  try {
    const role = (await clients.iam.send(new GetRoleCommand({ RoleName: SPOT_SERVICE_LINKED_ROLE_NAME }))).Role;
    return {
      id,
      title,
      status: 'pass',
      detail: `${SPOT_SERVICE_LINKED_ROLE_NAME} exists (${role?.Arn ?? 'no ARN returned'})`,
    };
  } catch (err) {
    if (errorName(err) !== 'NoSuchEntityException' && errorName(err) !== 'NoSuchEntity') throw err;
    return {
      id,
      title,
      status: 'warn',
      detail: `${SPOT_SERVICE_LINKED_ROLE_NAME} does not exist; the first spot launch fails unless the launcher may create it`,
      fix: 'aws iam create-service-linked-role --aws-service-name spot.amazonaws.com',
    };
  }
};
