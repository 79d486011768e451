/** Node.js release installed on trainer instances (the project's runtime). */
export const TRAINER_NODE_VERSION = '24.11.1';

export interface TrainerSetupOptions {
  /** s3://bucket/key of the trainer bundle (zip). */
  readonly bundleS3Uri: string;
  readonly region: string;
  readonly envName: string;
  /** @default /opt/signalforge */
  readonly workDir?: string;
}

/**
 * Shell that prepares a fresh GPU instance: Node.js, the trainer bundle from S3 and its packages
 * including @tensorflow/tfjs-node-gpu. Idempotent (a marker file skips it on reboot), so it can be
 * both the launch template's user data and the preamble of the launcher's per-run user data.
 */
export function trainerSetupScript(o: TrainerSetupOptions): string {
  const workDir = o.workDir ?? '/opt/signalforge';
  return [
    'set -euo pipefail',
    `if [ ! -f ${workDir}/.ready ]; then`,
    '  exec 3>&1 >>/var/log/signalforge-setup.log 2>&1',
    `  mkdir -p ${workDir} /opt/node`,
    `  curl -fsSL https://nodejs.org/dist/v${TRAINER_NODE_VERSION}/node-v${TRAINER_NODE_VERSION}-linux-x64.tar.xz | tar -xJ -C /opt/node --strip-components=1`,
    '  ln -sf /opt/node/bin/node /usr/local/bin/node; ln -sf /opt/node/bin/npm /usr/local/bin/npm; ln -sf /opt/node/bin/npx /usr/local/bin/npx',
    `  aws s3 cp --region ${o.region} ${o.bundleS3Uri} /tmp/signalforge-trainer.zip`,
    `  unzip -oq /tmp/signalforge-trainer.zip -d ${workDir}`,
    `  cd ${workDir} && npm install --omit=dev --no-audit --no-fund`,
    `  touch ${workDir}/.ready`,
    '  exec 1>&3',
    'fi',
    `export AWS_REGION=${o.region} SIGNALFORGE_ENV=${o.envName}`,
  ].join('\n');
}
