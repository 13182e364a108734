// The local proxy serves an instance only to members of its project, as JupyterHub and
// Onyxia protect their services. An instance's host is another origin than Plateau's, so
// the browser session's cookie never reaches it: the first visit bounces through Plateau
// (`/auth/instance`), which hands back a one-time ticket; the proxy redeems it for a
// session cookie of that host, tied to the browser session (sign out ends both). Scripts
// may send an API token instead. Plateau's credentials are never forwarded to the instance.
import type { IncomingMessage } from "node:http";
import { authorizeProject } from "../core/access/policy.js";
import type { Principal } from "../core/access/principal.js";
import type { AccessService } from "../core/access/service.js";
import type { IndexedProject } from "../core/ports/state-index.js";
import { cookieHeader, INSTANCE_COOKIE, readCookie } from "./cookies.js";

export type GateAnswer =
  | { readonly kind: "allow" }
  | { readonly kind: "respond"; readonly status: number; readonly headers: Record<string, string | string[]>; readonly message?: string };

export interface InstanceGate {
  admit(req: IncomingMessage, target: { project: string; instance: string }): Promise<GateAnswer>;
}

export const AUTH_PATH = "/__plateau/auth";

export function createInstanceGate(deps: {
  access: AccessService;
  findProject: (name: string) => Promise<IndexedProject | undefined>;
  publicOrigin: () => string;
}): InstanceGate {
  async function principalOf(req: IncomingMessage): Promise<Principal | "bad-token"> {
    const authorization = req.headers.authorization;
    if (typeof authorization === "string" && /^bearer plt_/i.test(authorization)) {
      return (await deps.access.tokenPrincipal(authorization.slice("bearer ".length).trim())) ?? "bad-token";
    }
    const sessionId = readCookie(req, INSTANCE_COOKIE);
    const session = sessionId ? await deps.access.sessionPrincipal(sessionId) : undefined;
    return session?.principal ?? { kind: "anonymous" };
  }

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
      const principal = await principalOf(req);
      if (principal === "bad-token") return { kind: "respond", status: 401, headers: {}, message: "This API token is unknown, expired or revoked." };
      if (principal.kind === "anonymous") {
        if (req.method !== "GET" && req.method !== "HEAD") return { kind: "respond", status: 401, headers: {}, message: "Sign in first." };
        const location = `${deps.publicOrigin()}/auth/instance?host=${encodeURIComponent(host)}&path=${encodeURIComponent(req.url ?? "/")}`;
        return { kind: "respond", status: 303, headers: { location } };
      }
      const project = await deps.findProject(target.project);
      const decision = authorizeProject(
        principal,
        target.project,
        project && { name: project.name, lab: project.lab, personal: project.personal, members: project.members },
        "read",
      );
      if (!decision.allowed || !project) {
        return { kind: "respond", status: 404, headers: {}, message: "This instance does not exist, or you are not a member of its project." };
      }
      return { kind: "allow" };
    },
  };
}
