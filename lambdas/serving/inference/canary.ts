import { createHash } from 'node:crypto';

/**
 * Deterministic canary split: the routing key (a request id, or a hash of the bars) maps to a point in
 * [0, 1); points below the canary weight go to the canary. The model key salts the hash so that one
 * client is not canaried on every config at once, and the same request always lands on the same alias.
 */
export function routingPoint(routingKey: string, modelKey: string): number {
  const digest = createHash('sha256').update(modelKey).update('\0').update(routingKey).digest();
  // 48 bits keep the point exact in a double and uniform enough for weights down to 1e-6.
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

export function routesToCanary(routingKey: string, modelKey: string, canaryWeight: number): boolean {
  if (!(canaryWeight > 0)) return false;
  if (canaryWeight >= 1) return true;
  return routingPoint(routingKey, modelKey) < canaryWeight;
}

/** A stable routing key for requests that bring no id: the same bars always reach the same alias. */
export function bodyRoutingKey(body: string): string {
  return createHash('sha1').update(body).digest('base64url');
}
