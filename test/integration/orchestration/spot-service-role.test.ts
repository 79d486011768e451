import { DeleteRoleCommand, IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { awsClientConfig } from '../../../core/aws/clients.js';
import { ensureSpotServiceLinkedRole, SPOT_SERVICE } from '../../../lambdas/training/launchers/spot-service-role.js';

const iam = new IAMClient(awsClientConfig());
const spotRoles = async () =>
  ((await iam.send(new ListRolesCommand({ PathPrefix: `/aws-service-role/${SPOT_SERVICE}/` }))).Roles ?? []).map(
    (r) => r.RoleName!,
  );

describe('spot service-linked role against moto IAM', () => {
  it('creates the role in an account without one, and a second call finds it and succeeds', async () => {
    // A fresh account: no spot service-linked role (another test's launcher may have created it in this moto).
    for (const name of await spotRoles()) await iam.send(new DeleteRoleCommand({ RoleName: name }));
    expect(await spotRoles()).toEqual([]);

    expect(await ensureSpotServiceLinkedRole(iam)).toBe('created');
    expect(await spotRoles()).toHaveLength(1);
    expect(await ensureSpotServiceLinkedRole(iam)).toBe('exists');
    expect(await spotRoles()).toHaveLength(1);
  });

  it('passes on any other IAM error (e.g. access denied) instead of hiding it', async () => {
    const denied = new IAMClient(awsClientConfig());
    denied.send = (async () => {
      throw Object.assign(new Error('User is not authorized to perform: iam:CreateServiceLinkedRole'), {
        name: 'AccessDenied',
      });
    }) as IAMClient['send'];
    await expect(ensureSpotServiceLinkedRole(denied)).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});
