// What a replica does when it is told to stop (SIGTERM in a rolling restart, ADR 0042): the
// phases of its drain, in order, and what each phase means for readiness, for a request that
// arrives, and for the streams still open. The server performs them (src/server/shutdown.ts).

/**
 * - `serving`: normal work.
 * - `draining`: readiness is false so that load balancers stop sending, but everything is still
 *   served (`drainSeconds`); each answer closes its connection, so clients reopen elsewhere.
 * - `closing`: the listener is closed and idle connections too; requests in flight finish, and so
 *   do open streams, until `graceSeconds` is over.
 * - `ending`: the grace is over: open streams are ended cleanly, then whatever remains is destroyed.
 */
export type DrainPhase = "serving" | "draining" | "closing" | "ending";

export interface DrainSettings {
  readonly drainSeconds: number;
  readonly graceSeconds: number;
}

/** The phases a drain goes through after `serving`, each with how long it lasts at most (undefined: until done). */
export function drainSteps(settings: DrainSettings): readonly { readonly phase: Exclude<DrainPhase, "serving">; readonly forMs: number | undefined }[] {
  return [
    { phase: "draining", forMs: Math.round(settings.drainSeconds * 1000) },
    { phase: "closing", forMs: Math.round(settings.graceSeconds * 1000) },
    { phase: "ending", forMs: undefined },
  ];
}

/**
 * What arrives: a probe (`/healthz`, `/readyz`: always answered, they say the state), a request
 * (answered, however long it takes), or a stream (a followed log, a WebSocket: it would be cut
 * within seconds once the listener is closed, so it is refused then and opened on another replica).
 */
export type Arrival = "probe" | "request" | "stream";

export type Admission =
  | { readonly kind: "serve"; readonly closeConnection: boolean }
  /** 503 `shutting-down` with Retry-After: the client retries, on another replica. */
  | { readonly kind: "refuse"; readonly retryAfterSeconds: number };

export function admission(phase: DrainPhase, arrival: Arrival): Admission {
  switch (phase) {
    case "serving":
      return { kind: "serve", closeConnection: false };
    case "draining":
      return { kind: "serve", closeConnection: true };
    case "closing":
      return arrival === "stream" ? { kind: "refuse", retryAfterSeconds: 1 } : { kind: "serve", closeConnection: true };
    case "ending":
      return arrival === "probe" ? { kind: "serve", closeConnection: true } : { kind: "refuse", retryAfterSeconds: 1 };
  }
}

/** Why `/readyz` says 503 (undefined: nothing in the drain stops readiness). */
export function drainReadiness(phase: DrainPhase): string | undefined {
  return phase === "serving" ? undefined : `this replica is stopping (${phase}): requests go to the others`;
}
