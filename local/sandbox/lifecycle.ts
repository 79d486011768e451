/**
 * Everything a sandbox run starts registers its stop here; `closeAll` stops them newest first (API
 * before trainers before the sink before Kafka and moto), each once, even when another fails.
 */
export class Lifecycle {
  private readonly closers: { name: string; close: () => Promise<void> }[] = [];
  private closing: Promise<string[]> | undefined;

  add(name: string, close: () => Promise<void>): void {
    if (this.closing) {
      // Started while shutting down (a stage that was mid-await): stop it straight away.
      void close().catch(() => undefined);
      return;
    }
    this.closers.push({ name, close });
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Stops everything; resolves with the names of closers that failed. */
  closeAll(timeoutMs = 20_000): Promise<string[]> {
    this.closing ??= (async () => {
      const failed: string[] = [];
      for (const { name, close } of this.closers.reverse()) {
        const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
        try {
          if ((await Promise.race([close().then(() => 'ok' as const), timer])) === 'timeout')
            failed.push(`${name} (timed out)`);
        } catch (err) {
          failed.push(`${name}: ${(err as Error).message}`);
        }
      }
      return failed;
    })();
    return this.closing;
  }
}

/** Thrown into the pipeline when the user interrupts, so stages unwind instead of carrying on. */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
  constructor(readonly signal: string) {
    super(`interrupted by ${signal}`);
  }
}
