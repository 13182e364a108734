// The local proxy serves an instance only to members of its project, as JupyterHub and
// Onyxia protect their services. An instance's host is another origin than Plateau's, so
// the browser session's cookie never reaches it: the first visit bounces through Plateau
// (`/auth/instance`, answered by `bounce` below), which hands back a one-time ticket; the
// proxy redeems it (`admit`, at /__plateau/auth) for a session cookie of that host, tied to
// the browser session (sign out ends both). Scripts may send an API token instead. Plateau's
// credentials are never forwarded to the instance.
//
// What keeps one person's session from another's hands (ADR 0012):
// - a ticket goes only to the instance's own origin — Plateau's public scheme and port, the
//   host `<instance>.<project>.<domain>` — never to another port of that name, where any
//   process (another person's instance, on 127.0.0.1:<port>) could read it;
// - a ticket is issued only for an instance the proxy serves and the person may open;
// - a ticket is single-use, lives 60 s, and opens a session of its exact host only; that
//   session is never accepted by the API (nor by another host), and a browser session of
//   Plateau is never accepted here.
import type { IncomingMessage } from "node:http";
import { authorizeProject } from "../core/access/policy.js";
import type { Principal } from "../core/access/principal.js";
import { TOKEN_PREFIX } from "../core/access/context.js";
import { safeReturnTo } from "../core/access/return-to.js";
import type { AccessService } from "../core/access/service.js";
import { instanceOrigin, parseInstanceHost, type Router } from "../core/instances/routing.js";
import type { IndexedProject } from "../core/ports/state-index.js";
import { bearerToken } from "./access.js";
import { cookieHeader, INSTANCE_COOKIE, readCookie } from "./cookies.js";

export type GateAnswer =
  | { readonly kind: "allow" }
  | { readonly kind: "respond"; readonly status: number; readonly headers: Record<string, string | string[]>; readonly message?: string };

/** What `/auth/instance` answers: the ticket's redirect, a sign-in first, or the same 404 for every refusal. */
export type BounceAnswer = { readonly kind: "ticket"; readonly location: string } | { readonly kind: "sign-in" } | { readonly kind: "not-found" };

export interface BounceRequest {
  readonly principal: Principal;
  /** The browser session (`__Host-plateau-session`) the instance host's session will hang on. */
  readonly sessionId: string | undefined;
  /** The `host` the proxy asked about, as the browser gave it. */
  readonly host: string;
  readonly path: string | undefined;
  readonly ip: string;
}

export interface InstanceGate {
  admit(req: IncomingMessage, target: { project: string; instance: string }): Promise<GateAnswer>;
  bounce(request: BounceRequest): Promise<BounceAnswer>;
}

export const AUTH_PATH = "/__plateau/auth";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Whether a request that carries an instance's cookie was started by a page of another site
 * (or origin): instances are sibling hosts of one domain, so the browser sends their Lax cookie
 * along with a form or a WebSocket that another instance's page opens. Such a request may not
 * change anything nor open a WebSocket with the person's session; a plain link still opens the
 * instance. Browsers say it with `Origin` (forms, fetch, WebSockets) and `Sec-Fetch-Site`.
 */
export function fromAnotherSite(req: IncomingMessage, host: string): boolean {
  const websocket = String(req.headers.upgrade ?? "").toLowerCase() === "websocket";
  if (SAFE_METHODS.has(req.method ?? "GET") && !websocket) return false;
  const site = req.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin" && site !== "none") return true;
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== host;
  } catch {
    return true; // "null" (a sandboxed frame, a redirect) or garbage: not the instance's own page
  }
}

export function createInstanceGate(deps: {
  access: AccessService;
  findProject: (name: string) => Promise<IndexedProject | undefined>;
  /** Plateau's origin, where browsers sign in (`/auth/instance`). */
  publicOrigin: () => string;
  /** The scheme and port of instance hosts: Plateau's public origin, or the same with the port of instance URLs. */
  instancesOrigin: () => string;
  /** The instances' domain (`localhost`): hosts are `<instance>.<project>.<domain>`. */
  domain: string;
  router: Pick<Router, "has">;
}): InstanceGate {
  async function principalOf(req: IncomingMessage, host: string): Promise<Principal | "bad-token" | "foreign"> {
    // Plateau's tokens, spelled in any way the API reads them; other bearer tokens are the instance's.
    const token = bearerToken(req.headers.authorization);
    if (token?.startsWith(TOKEN_PREFIX)) return (await deps.access.tokenPrincipal(token)) ?? "bad-token";
    const sessionId = readCookie(req, INSTANCE_COOKIE);
    if (sessionId && fromAnotherSite(req, host)) return "foreign";
    // A session of this very host: not a browser session of Plateau, not another instance's.
    const principal = sessionId ? await deps.access.instanceSessionPrincipal(sessionId, host) : undefined;
    return principal ?? { kind: "anonymous" };
  }

  const mayOpen = async (principal: Principal, target: { project: string; instance: string }) => {
    const project = await deps.findProject(target.project);
    const decision = authorizeProject(
      principal,
      target.project,
      project && { name: project.name, lab: project.lab, personal: project.personal, members: project.members },
      "read",
    );
    return { decision, project };
  };

  return {
    async admit(req, target): Promise<GateAnswer> {
      const host = (req.headers.host ?? "").toLowerCase();
      const url = new URL(req.url ?? "/", "http://instance.invalid");
      if (url.pathname === AUTH_PATH) {
        const redeemed = await deps.access.redeemProxyTicket(url.searchParams.get("ticket") ?? "", host);
        if (!redeemed)
          return {
            kind: "respond",
            status: 403,
            headers: {},
            message: "This sign-in link has expired or was already used: open the instance's address again.",
          };
        return {
          kind: "respond",
          status: 303,
          headers: { location: redeemed.path, "set-cookie": cookieHeader(INSTANCE_COOKIE, redeemed.sessionId, { sameSite: "Lax" }) },
        };
      }
      const principal = await principalOf(req, host);
      if (principal === "bad-token") return { kind: "respond", status: 401, headers: {}, message: "This API token is unknown, expired or revoked." };
      if (principal === "foreign") {
        return {
          kind: "respond",
          status: 403,
          headers: {},
          message: "A page of another site cannot use your session on this instance: open the instance itself.",
        };
      }
      if (principal.kind === "anonymous") {
        if (req.method !== "GET" && req.method !== "HEAD") return { kind: "respond", status: 401, headers: {}, message: "Sign in first." };
        const location = `${deps.publicOrigin()}/auth/instance?host=${encodeURIComponent(host)}&path=${encodeURIComponent(req.url ?? "/")}`;
        return { kind: "respond", status: 303, headers: { location } };
      }
      const { decision, project } = await mayOpen(principal, target);
      if (!decision.allowed || !project) {
        return { kind: "respond", status: 404, headers: {}, message: "This instance does not exist, or you are not a member of its project." };
      }
      return { kind: "allow" };
    },

    async bounce(request): Promise<BounceAnswer> {
      // The host must be the instance's own, exactly as Plateau gives its address: the same
      // scheme and port as Plateau's. Checked first, whoever asks (it says nothing of what exists).
      const target = parseInstanceHost(request.host, deps.domain);
      if (!target) return { kind: "not-found" };
      const origin = instanceOrigin(deps.instancesOrigin(), deps.domain, target);
      const host = new URL(origin).host;
      if (request.host.toLowerCase() !== host) return { kind: "not-found" };
      if (request.principal.kind !== "user" || !request.sessionId) return { kind: "sign-in" };
      const { decision, project } = await mayOpen(request.principal, target);
      // Only an instance the proxy serves: a ticket is never issued for a name that merely could be one.
      const exists = decision.allowed && project !== undefined && (await deps.router.has(target.project, target.instance));
      if (!exists) {
        await deps.access.audit({
          actor: request.principal.login,
          action: "instance.open",
          target: `${target.project}/${target.instance}`,
          outcome: "denied",
          project: target.project,
          labs: project?.lab ? [project.lab] : [],
          ip: request.ip,
          detail: !decision.allowed ? decision.reason : project ? "no such instance" : "no such project",
        });
        return { kind: "not-found" };
      }
      const ticket = await deps.access.issueProxyTicket(request.sessionId, host, safeReturnTo(request.path));
      return { kind: "ticket", location: `${origin}${AUTH_PATH}?ticket=${encodeURIComponent(ticket)}` };
    },
  };
}
