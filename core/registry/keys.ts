/** Item keys of the registry table. One item collection per model config key. */
export const HEAD_SK = 'HEAD';
export const MODELS_GSI_PK = 'MODELS';

export function versionSk(version: number): string {
  return `VERSION#${String(version).padStart(6, '0')}`;
}

export function runSk(trainingRunId: string): string {
  return `RUN#${trainingRunId}`;
}

export function auditSk(at: string, id: string): string {
  return `AUDIT#${at}#${id}`;
}

/** gsi1 partition for "all versions registered by one training run". */
export function runGsiPk(trainingRunId: string): string {
  return `RUN#${trainingRunId}`;
}

/** gsi1 partition for the audit trail of one day across every model. */
export function auditGsiPk(at: string): string {
  return `AUDIT#${at.slice(0, 10)}`;
}
