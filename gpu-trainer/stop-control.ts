import type { TrainerLog } from './log.js';
import { startSpotWatch } from './spot-watch.js';

/**
 * Why the run should checkpoint and stop, from whichever source asks first: SIGTERM/SIGINT, the caller's
 * abort signal, or a spot interruption notice on IMDS. Training loops poll `reason()` between steps.
 */
export interface StopControl {
  reason(): string | undefined;
  request(reason: string): void;
  /** Removes the signal handlers and stops the IMDS poll. */
  dispose(): void;
}

export interface StopSources {
  handleSignals?: boolean | undefined;
  signal?: AbortSignal | undefined;
  spotWatch?: { endpoint: string; intervalMs: number } | undefined;
}

export function watchForStop(sources: StopSources, log: TrainerLog): StopControl {
  let stopReason: string | undefined;
  const request = (reason: string) => {
    if (stopReason) return;
    stopReason = reason;
    log.warn('stop requested; checkpointing', { reason });
  };
  const onSignal = (sig: NodeJS.Signals) => request(sig);
  if (sources.handleSignals) {
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }
  sources.signal?.addEventListener('abort', () => request('aborted'), { once: true });
  const spot = sources.spotWatch
    ? startSpotWatch({
        endpoint: sources.spotWatch.endpoint,
        intervalMs: sources.spotWatch.intervalMs,
        onNotice: (n) => request(`spot interruption notice: ${n.action} at ${n.time}`),
        onError: (err) => log.warn('IMDS poll failed', { error: err.message }),
      })
    : undefined;
  return {
    reason: () => stopReason,
    request,
    dispose() {
      spot?.stop();
      if (sources.handleSignals) {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      }
    },
  };
}
