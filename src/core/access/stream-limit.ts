// How many long-lived requests (followed logs) run at once: at most `perKey` for one client
// (a person) and `total` in all. Each costs the server a connection and a share of a follower
// process; a refusal says when to try again, as rate limits do. Pure: the caller releases.

export type StreamSlot =
  | { readonly allowed: true; readonly release: () => void }
  | { readonly allowed: false; readonly scope: "person" | "all"; readonly limit: number; readonly retryAfterSeconds: number };

export interface StreamLimiter {
  /** Takes a slot for `key`; release it once (more releases do nothing) when the stream ends. */
  acquire(key: string): StreamSlot;
  /** Streams running now, of `key` or in all. */
  active(key?: string): number;
}

export interface StreamLimiterParams {
  readonly perKey: number;
  readonly total: number;
  /** What a refusal tells to wait: streams end when people leave, not at a known time. Default 10 s. */
  readonly retryAfterSeconds?: number;
}

export function createStreamLimiter(params: StreamLimiterParams): StreamLimiter {
  const retryAfterSeconds = params.retryAfterSeconds ?? 10;
  const byKey = new Map<string, number>();
  let total = 0;
  return {
    acquire(key) {
      const mine = byKey.get(key) ?? 0;
      if (mine >= params.perKey) return { allowed: false, scope: "person", limit: params.perKey, retryAfterSeconds };
      if (total >= params.total) return { allowed: false, scope: "all", limit: params.total, retryAfterSeconds };
      byKey.set(key, mine + 1);
      total++;
      let released = false;
      return {
        allowed: true,
        release: () => {
          if (released) return;
          released = true;
          total--;
          const left = (byKey.get(key) ?? 1) - 1;
          if (left > 0) byKey.set(key, left);
          else byKey.delete(key);
        },
      };
    },
    active: (key) => (key === undefined ? total : (byKey.get(key) ?? 0)),
  };
}
