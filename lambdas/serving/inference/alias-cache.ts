import type { ServingAliases } from '../../../core/registry/index.js';

export type { ServingAliases };

export type AliasResolver = (key: string) => Promise<ServingAliases>;

interface Entry {
  aliases: ServingAliases;
  checkedAt: number;
}

/**
 * Per-config alias lookups cached for `ttlMs`, so a promotion or rollback reaches every warm container
 * within one TTL without a registry read per request. When the registry cannot be read, the last known
 * aliases keep serving (and the failure is reported); with nothing known, the error propagates.
 */
export class AliasCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<ServingAliases>>();

  constructor(
    private readonly resolve: AliasResolver,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly onStaleServe: (key: string, err: unknown) => void = () => undefined,
  ) {}

  /** Synchronous fast path for warm requests; undefined when the entry is missing or expired. */
  fresh(key: string): ServingAliases | undefined {
    const entry = this.entries.get(key);
    return entry && this.now() - entry.checkedAt < this.ttlMs ? entry.aliases : undefined;
  }

  get(key: string): Promise<ServingAliases> {
    const cached = this.fresh(key);
    if (cached) return Promise.resolve(cached);
    return this.refresh(key);
  }

  refresh(key: string): Promise<ServingAliases> {
    const running = this.inflight.get(key);
    if (running) return running;
    const promise = this.resolve(key)
      .then(
        (aliases) => {
          this.entries.set(key, { aliases, checkedAt: this.now() });
          return aliases;
        },
        (err: unknown) => {
          const stale = this.entries.get(key);
          if (!stale) throw err;
          this.onStaleServe(key, err);
          return stale.aliases;
        },
      )
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, promise);
    return promise;
  }

  /** Every alias target currently known, for releasing sessions nothing points at. */
  liveShas(): Set<string> {
    const shas = new Set<string>();
    for (const { aliases } of this.entries.values()) {
      if (aliases.production) shas.add(aliases.production.sha256.toLowerCase());
      if (aliases.canary) shas.add(aliases.canary.sha256.toLowerCase());
    }
    return shas;
  }

  known(): IterableIterator<[string, Entry]> {
    return this.entries.entries();
  }
}
