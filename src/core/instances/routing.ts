// Which instance a request to `<instance>.<project>.<domain>` is for, and where it runs.
// Used by the local reverse proxy. Answers are cached (pages load many assets, and a starting
// page is polled): the reconciler invalidates an instance's route whenever its status changes.
import type { SecretStore } from "../ports/secret-store.js";
import { GENERATED_SECRET_LENGTH } from "../render/render.js";
import type { StateIndex } from "../ports/state-index.js";
import type { StatusStore, Phase } from "../ports/status-store.js";
import type { TemplateCatalog } from "../ports/template-catalog.js";
import type { Clock, Random } from "../ports/clock.js";
import { isValidName } from "../names.js";

export type Route =
  | {
      readonly kind: "upstream";
      readonly project: string;
      readonly instance: string;
      readonly endpoint: string;
      readonly headers: Readonly<Record<string, string>>;
    }
  | { readonly kind: "unavailable"; readonly project: string; readonly instance: string; readonly phase: Phase; readonly reason: string }
  | { readonly kind: "unknown"; readonly project: string; readonly instance: string }
  | { readonly kind: "not-an-instance" };

export interface RouterDeps {
  readonly index: StateIndex;
  readonly statuses: StatusStore;
  readonly secrets: SecretStore;
  readonly catalog: TemplateCatalog;
  readonly clock: Clock;
  readonly random: Random;
  /** The platform served by this proxy and its domain (`local`, `localhost`). */
  readonly platform: string;
  readonly domain: string;
  readonly cacheMs?: number;
}

/** `hello.demo.localhost:8080` → { project: "demo", instance: "hello" } when under the domain. */
export function parseInstanceHost(host: string, domain: string): { project: string; instance: string } | undefined {
  const name = host.toLowerCase().replace(/:\d+$/, "").replace(/\.$/, "");
  const suffix = `.${domain.toLowerCase()}`;
  if (!name.endsWith(suffix)) return undefined;
  const labels = name.slice(0, -suffix.length).split(".");
  if (labels.length !== 2) return undefined;
  const [instance, project] = labels as [string, string];
  return isValidName(instance) && isValidName(project) ? { project, instance } : undefined;
}

/**
 * An instance's one origin on the proxy: the scheme and port of `origin` (Plateau's public
 * origin, or the same with the port of instance URLs), the host `<instance>.<project>.<domain>`.
 * The bounce sends tickets there and nowhere else.
 */
export function instanceOrigin(origin: string, domain: string, target: { project: string; instance: string }): string {
  const url = new URL(origin);
  url.hostname = `${target.instance}.${target.project}.${domain.toLowerCase()}`;
  return url.origin;
}

/** Finds the instance a request is for and where it runs, caching answers. */
export interface Router {
  /** The route for a request's `Host` header (cached for `cacheMs`, 1 s by default). */
  resolve(host: string): Promise<Route>;
  /** Whether this proxy serves the instance (it exists, on this platform), whatever its state; nothing cached. */
  has(project: string, instance: string): Promise<boolean>;
  /** Forgets every route (the desired state changed: an instance was stopped, removed…). */
  clear(): void;
  /** Forgets what is known of an instance's route (its status changed). */
  invalidate(project: string, instance: string): void;
  /** Settles at the next invalidation of the instance's route (or of every route): a request held while it starts. */
  changed(project: string, instance: string): Promise<void>;
}

export function createRouter(deps: RouterDeps): Router {
  const cache = new Map<string, { at: number; route: Route }>();
  const ttl = deps.cacheMs ?? 1000;
  // Counts what was forgotten: a route read before an invalidation (a pod just started) is
  // answered, not kept, or the proxy would keep saying "starting" for the cache's duration.
  let generation = 0;
  const waiting = new Map<string, { promise: Promise<void>; settle: () => void }>();
  const settle = (key: string) => {
    waiting.get(key)?.settle();
    waiting.delete(key);
  };

  async function resolveUncached(project: string, instance: string): Promise<Route> {
    const indexed = await deps.index.getInstance(project, instance);
    if (!indexed || indexed.platform !== deps.platform) return { kind: "unknown", project, instance };
    const status = await deps.statuses.getStatus(project, instance);
    if (indexed.state !== "running")
      return { kind: "unavailable", project, instance, phase: "stopped", reason: "this instance is stopped; start it to use it" };
    if (!status || status.phase !== "running" || !status.endpoint) {
      return { kind: "unavailable", project, instance, phase: status?.phase ?? "pending", reason: status?.reason ?? "waiting for the platform to start it" };
    }
    const headers: Record<string, string> = {};
    const access = (await deps.catalog.get(indexed.template))?.spec.access?.header;
    if (access) {
      // The same get-or-create as the reconciler's: whoever asks first creates the instance's secret.
      const secrets = await deps.secrets.ensure(project, instance, [access.secret], () => deps.random.secret(GENERATED_SECRET_LENGTH));
      const value = secrets[access.secret];
      if (value) headers[access.name.toLowerCase()] = `${access.prefix}${value}`;
    }
    return { kind: "upstream", project, instance, endpoint: status.endpoint, headers };
  }

  return {
    async resolve(host: string): Promise<Route> {
      const target = parseInstanceHost(host, deps.domain);
      if (!target) return { kind: "not-an-instance" };
      const key = `${target.project}/${target.instance}`;
      const now = deps.clock.now().getTime();
      const cached = cache.get(key);
      if (cached && now - cached.at < ttl) return cached.route;
      const started = generation;
      const route = await resolveUncached(target.project, target.instance);
      if (cache.size > 10_000) cache.clear();
      if (generation === started) cache.set(key, { at: now, route });
      return route;
    },
    async has(project: string, instance: string): Promise<boolean> {
      const indexed = await deps.index.getInstance(project, instance);
      return indexed !== undefined && indexed.platform === deps.platform;
    },
    clear(): void {
      generation++;
      cache.clear();
      for (const key of [...waiting.keys()]) settle(key);
    },
    invalidate(project: string, instance: string): void {
      generation++;
      cache.delete(`${project}/${instance}`);
      settle(`${project}/${instance}`);
    },
    changed(project: string, instance: string): Promise<void> {
      const key = `${project}/${instance}`;
      let entry = waiting.get(key);
      if (!entry) {
        let resolve = () => {};
        const promise = new Promise<void>((done) => (resolve = done));
        entry = { promise, settle: resolve };
        waiting.set(key, entry);
      }
      return entry.promise;
    },
  };
}
