import { CreateServiceLinkedRoleCommand, type IAMClient } from '@aws-sdk/client-iam';

export const SPOT_SERVICE = 'spot.amazonaws.com';

/** IAM's answers when the role is already there: AWS says the name "has been taken", moto says the entity exists. */
function alreadyExists(err: unknown): boolean {
  const e = err as { name?: string; message?: string };
  return (
    e?.name === 'EntityAlreadyExistsException' ||
    (e?.name === 'InvalidInputException' && /has been taken/i.test(e.message ?? ''))
  );
}

/**
 * EC2 needs the AWSServiceRoleForEC2Spot service-linked role to fulfil the first spot request in an
 * account, and RunInstances fails until it exists. Creating it is idempotent here: "already exists"
 * is success. The launcher's policy allows exactly this call (iam:AWSServiceName = spot.amazonaws.com).
 */
export async function ensureSpotServiceLinkedRole(iam: IAMClient): Promise<'created' | 'exists'> {
  try {
    await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: SPOT_SERVICE }));
    return 'created';
  } catch (err) {
    if (alreadyExists(err)) return 'exists';
    throw err;
  }
}
