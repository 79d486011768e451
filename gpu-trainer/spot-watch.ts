/**
 * Polls the EC2 instance metadata service (IMDSv2) for a spot interruption notice. AWS posts
 * `spot/instance-action` about two minutes before reclaiming the instance; until then it answers 404.
 */
export interface SpotNotice {
  action: string;
  time: string;
}

export interface SpotWatchOptions {
  /** e.g. http://169.254.169.254 on EC2, or a local fake in tests. */
  endpoint: string;
  intervalMs: number;
  onNotice(notice: SpotNotice): void;
  onError?(err: Error): void;
}

const TOKEN_TTL_S = 21600;

export function startSpotWatch(opts: SpotWatchOptions): { stop(): void } {
  const base = opts.endpoint.replace(/\/$/, '');
  let token: string | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  async function fetchToken(): Promise<string> {
    const res = await fetch(`${base}/latest/api/token`, {
      method: 'PUT',
      headers: { 'X-aws-ec2-metadata-token-ttl-seconds': String(TOKEN_TTL_S) },
      signal: AbortSignal.timeout(2000),
    });
    if (!res.ok) throw new Error(`IMDS token request failed: HTTP ${res.status}`);
    return res.text();
  }

  async function poll(): Promise<void> {
    token ??= await fetchToken();
    const res = await fetch(`${base}/latest/meta-data/spot/instance-action`, {
      headers: { 'X-aws-ec2-metadata-token': token },
      signal: AbortSignal.timeout(2000),
    });
    if (res.status === 401) {
      token = undefined; // expired token: fetch a new one next time
      return;
    }
    if (res.status === 404) {
      await res.body?.cancel();
      return;
    }
    if (!res.ok) throw new Error(`IMDS spot/instance-action: HTTP ${res.status}`);
    const notice = (await res.json()) as SpotNotice;
    stopped = true;
    opts.onNotice(notice);
  }

  const loop = async () => {
    if (stopped) return;
    try {
      await poll();
    } catch (err) {
      opts.onError?.(err as Error);
    }
    if (!stopped) timer = setTimeout(loop, opts.intervalMs).unref();
  };
  void loop();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
