import { commaList, requiredEnv, type SignalForgeConfig } from '../../../core/config/index.js';
import { Ec2SpotLauncher } from './ec2.js';
import { SageMakerLauncher } from './sagemaker.js';
import type { TrainerLauncher } from './types.js';

export * from './types.js';
export * from './launch-doc.js';
export { Ec2SpotLauncher, type Ec2LauncherOptions } from './ec2.js';
export { SageMakerLauncher, trainingJobName, type SageMakerLauncherOptions } from './sagemaker.js';

/** SAGEMAKER_SETTINGS_JSON from the infra's SageMakerTraining construct (only the fields the launcher uses). */
interface SageMakerSettingsEnv {
  roleArn?: string;
  imageUri?: string | null;
  maxRuntimeSeconds?: number;
  maxWaitSeconds?: number;
  volumeKmsKeyId?: string;
}

/**
 * The launcher for config.training.backend, configured from the environment the construct sets:
 * TRAINER_LAUNCH_TEMPLATE_ID, TRAINER_SUBNET_IDS, TRAINER_SECURITY_GROUP_IDS (ec2);
 * SAGEMAKER_ROLE_ARN, SAGEMAKER_SETTINGS_JSON, TRAINER_SUBNET_IDS, TRAINER_SECURITY_GROUP_IDS, TRAINER_KMS_KEY_ID
 * (sagemaker).
 */
export function launcherFromEnv(config: SignalForgeConfig, env: NodeJS.ProcessEnv = process.env): TrainerLauncher {
  switch (config.training.backend) {
    case 'ec2':
      return new Ec2SpotLauncher({
        config,
        launchTemplateId: requiredEnv('TRAINER_LAUNCH_TEMPLATE_ID', env),
        subnetIds: commaList(requiredEnv('TRAINER_SUBNET_IDS', env)),
        securityGroupIds: commaList(env.TRAINER_SECURITY_GROUP_IDS),
      });
    case 'sagemaker': {
      const settings = JSON.parse(env.SAGEMAKER_SETTINGS_JSON ?? '{}') as SageMakerSettingsEnv;
      return new SageMakerLauncher({
        config,
        roleArn: settings.roleArn ?? requiredEnv('SAGEMAKER_ROLE_ARN', env),
        imageUri: settings.imageUri ?? undefined,
        subnetIds: commaList(env.TRAINER_SUBNET_IDS),
        securityGroupIds: commaList(env.TRAINER_SECURITY_GROUP_IDS),
        volumeKmsKeyId: settings.volumeKmsKeyId ?? env.TRAINER_KMS_KEY_ID,
        maxRuntimeSeconds: settings.maxRuntimeSeconds,
        maxWaitSeconds: settings.maxWaitSeconds,
      });
    }
    case 'local':
      // The local process launcher is sandbox-only code (local/trainer): the sandbox and tests pass it in.
      throw new Error('the local trainer backend has no deployed launcher: pass local/trainer/local-launcher.ts');
  }
}
