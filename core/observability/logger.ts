import { Logger } from '@aws-lambda-powertools/logger';
import { codeVersion } from '../lineage/index.js';

/**
 * The one log shape of SignalForge: Powertools JSON (level, message, timestamp, service, Lambda context once
 * `observed` adds it) with the code version on every line. The trainer writes the same shape (gpu-trainer/log.ts).
 */
export function createLogger(serviceName: string, persistentKeys: Record<string, string> = {}): Logger {
  return new Logger({
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? serviceName,
    persistentKeys: { codeVersion: codeVersion(), ...persistentKeys },
  });
}
