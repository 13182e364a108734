// The one authorization layer: every route declares who may call it (`config.access`), a
// route without a declaration refuses to start, and every request is checked here before
// its handler runs. Who asks comes from the session cookie or a bearer token; cookie-
// authenticated changes must carry the session's CSRF token. Denials are audited and say
// nothing about the object (a project one cannot see does not exist: 404).
import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import {
  authorizeLab,
  authorizeOperator,
  authorizeProject,
  authorizeProjectCreation,
  authorizeProjectOperator,
  authorizeProjectQuota,
  authorizeSignedIn,
  authorizeTokenManagement,
  auditScope,
  projectRole,
  type Decision,
  type LabAction,
  type ProjectAction,
  type ProjectFacts,
} from "../core/access/policy.js";
import { ANONYMOUS, type Principal, type UserPrincipal } from "../core/access/principal.js";
import type { SharedRateLimiter } from "../core/access/rate-limit.js";

/** The rate limits a route may name: sign-in per address, the others per person. */
export type RateLimitKind = "launch" | "token" | "sign-in" | "bounce";
import type { AccessService } from "../core/access/service.js";
import { NotAllowedError, NotFoundError, RateLimitedError, UnauthenticatedError } from "../core/errors.js";
import type { IndexedProject } from "../core/ports/state-index.js";
import { assertName } from "../core/names.js";
import { readCookie, SESSION_COOKIE } from "./cookies.js";

export type AccessRule =
  | { readonly kind: "public" }
  /** Any signed-in person; the handler shows them only what they may see. */
  | { readonly kind: "signed-in" }
  | { readonly kind: "project"; readonly action: ProjectAction }
  | { readonly kind: "project-create" }
  /** Setting a project's quota: an admin of its lab, or an operator. */
  | { readonly kind: "project-quota" }
  /** Setting what the platforms give a project (its tiers): operators; a project one cannot see is 404. */
  | { readonly kind: "project-operator" }
  | { readonly kind: "lab"; readonly action: LabAction }
  | { readonly kind: "audit" }
  | { readonly kind: "operator" }
  | { readonly kind: "tokens" };

export interface RouteAccess {
  readonly access: AccessRule;
  /** The action's name in the audit log, for changes (`launch`, `token.create`…). */
  readonly audit?: string;
  /** A rate limit applied per person (or per address when anonymous). */
  readonly rateLimit?: RateLimitKind;
}

declare module "fastify" {
  interface FastifyContextConfig {
    access?: AccessRule;
    audit?: string;
    rateLimit?: RateLimitKind;
  }
  interface FastifyRequest {
    principal: Principal;
    /** The session's CSRF token, when the request came with a session cookie. */
    csrfToken: string | undefined;
  }
}

export interface AccessDeps {
  readonly access: AccessService;
  readonly findProject: (name: string) => Promise<IndexedProject | undefined>;
  /** Each limit's buckets: this process's, or the database's that every replica shares (ADR 0043). */
  readonly limiters: Readonly<Record<RateLimitKind, SharedRateLimiter>>;
  /** The origin browsers use (`https://plateau.example.org`), to check the Origin of changes. */
  readonly publicOrigin: () => string;
}

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const ALLOWED: Decision = { allowed: true };
export const CSRF_HEADER = "x-csrf-token";

const facts = (project: IndexedProject): ProjectFacts => ({ name: project.name, lab: project.lab, personal: project.personal, members: project.members });

/** Projects the principal may see (for lists): members, lab admins, operators; within a token's scope. */
export function visibleProjects(principal: Principal, projects: readonly IndexedProject[]): IndexedProject[] {
  if (principal.kind === "anonymous") return [];
  return projects.filter(
    (project) => projectRole(principal, facts(project)) !== null && (principal.scope.projects === null || principal.scope.projects.includes(project.name)),
  );
}

export const clientAddress = (request: FastifyRequest): string => request.ip;

function equalSecrets(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * The token of an `Authorization: Bearer <token>` header, as the API reads it: `Bearer` in any
 * case, then the token after any white space. The proxy reads it the same way, so that no
 * spelling the API accepts is forwarded to an instance.
 */
export function bearerToken(authorization: unknown): string | undefined {
  return typeof authorization === "string" && /^bearer /i.test(authorization) ? authorization.slice("bearer ".length).trim() : undefined;
}

/** A route's hooks of one kind, as a list (Fastify takes one function or several). */
function hooksOf<T>(hooks: T | readonly T[] | undefined): T[] {
  return hooks === undefined ? [] : Array.isArray(hooks) ? [...(hooks as readonly T[])] : [hooks as T];
}

/** Who asks: a session cookie, else a bearer token, else nobody. */
export async function authenticate(access: AccessService, request: FastifyRequest): Promise<{ principal: Principal; csrfToken: string | undefined }> {
  const token = bearerToken(request.headers.authorization);
  if (token !== undefined) {
    // A bad token is an error, not anonymity: the client meant to be someone.
    const principal = await access.tokenPrincipal(token);
    if (!principal) throw new UnauthenticatedError("this API token is unknown, expired or revoked");
    return { principal, csrfToken: undefined };
  }
  const sessionId = readCookie(request.raw, SESSION_COOKIE);
  if (sessionId) {
    const session = await access.sessionPrincipal(sessionId);
    if (session) return session;
  }
  return { principal: ANONYMOUS, csrfToken: undefined };
}

export function registerAccessLayer(app: FastifyInstance, deps: AccessDeps): void {
  // Set by the preHandler below, once the request is valid (null is the placeholder Fastify
  // wants for objects). A request refused before (by its schema) is anonymous to the audit.
  app.decorateRequest("principal", null as never);
  app.decorateRequest("csrfToken", undefined);

  app.addHook("onRoute", (route) => {
    const config = route.config as { access?: AccessRule; audit?: string; rateLimit?: RateLimitKind } | undefined;
    if ((route.url.startsWith("/api/") || route.url.startsWith("/auth/")) && !config?.access) {
      throw new Error(`invariant violated: route ${route.method} ${route.url} declares no access rule`);
    }
    // Each route carries its own check, its rule bound once: no hook runs for routes without a
    // rule (health, metrics), and no request reads its route's options again (Fastify builds
    // them anew at each read). Before the route's own preHandlers, which may need the principal.
    if (config?.access) route.preHandler = [guard(config.access, config.rateLimit), ...hooksOf(route.preHandler)];
    // Only routes that change something carry the audit hook (reads pay nothing for it), and
    // the reads of secrets (an instance's passwords): who read them is in the audit log.
    if (config?.audit) route.onResponse = [...hooksOf(route.onResponse), auditChange(config.audit)];
  });

  async function deny(request: FastifyRequest, decision: Extract<Decision, { allowed: false }>, notFound: () => Error): Promise<never> {
    const principal = request.principal;
    const project = (request.params as { project?: string } | undefined)?.project ?? null;
    // The lab of the project aimed at reads the attempt too, not only the labs of who tried.
    const targetLab = project ? ((await deps.findProject(project).catch(() => undefined))?.lab ?? null) : null;
    await deps.access.audit({
      actor: principal.kind === "user" ? principal.login : null,
      action: `${request.method} ${request.routeOptions.url ?? request.url}`,
      target: request.url.split("?")[0] ?? "",
      outcome: "denied",
      project,
      labs: [...new Set([...(principal.kind === "user" ? [...principal.labs, ...principal.labAdminOf] : []), ...(targetLab ? [targetLab] : [])])].sort(),
      ip: clientAddress(request),
      detail: decision.reason,
    });
    if (decision.status === 401) throw new UnauthenticatedError();
    if (decision.status === 404) throw notFound();
    throw new NotAllowedError(`not allowed: ${decision.reason}`);
  }

  /** What a denial's 404 names: the object as the request named it, never more. */
  type Missing = { readonly kind: string; readonly id: string } | null;
  const notFoundError = (request: FastifyRequest, missing: Missing) =>
    missing ? new NotFoundError(missing.kind, missing.id) : new NotFoundError("resource", request.url.split("?")[0] ?? "");

  // Plain data in and out (no closure per request: this runs for every call of the API).
  async function decide(request: FastifyRequest, rule: AccessRule): Promise<{ decision: Decision; missing: Missing }> {
    const principal = request.principal;
    const params = (request.params ?? {}) as { project?: string; lab?: string };
    switch (rule.kind) {
      case "public":
        return { decision: ALLOWED, missing: null };
      case "signed-in":
        return { decision: authorizeSignedIn(principal), missing: null };
      case "project": {
        const name = params.project ?? "";
        // A malformed name is an input error (naming the rule), whoever asks.
        assertName("/project", name);
        const project = await deps.findProject(name);
        return { decision: authorizeProject(principal, name, project && facts(project), rule.action), missing: { kind: "project", id: name } };
      }
      case "project-create": {
        const body = (request.body ?? {}) as { lab?: string };
        return { decision: authorizeProjectCreation(principal, body.lab ?? ""), missing: null };
      }
      case "project-quota": {
        const name = params.project ?? "";
        assertName("/project", name);
        const project = await deps.findProject(name);
        return { decision: authorizeProjectQuota(principal, name, project && facts(project)), missing: { kind: "project", id: name } };
      }
      case "project-operator": {
        const name = params.project ?? "";
        assertName("/project", name);
        const project = await deps.findProject(name);
        return { decision: authorizeProjectOperator(principal, name, project && facts(project)), missing: { kind: "project", id: name } };
      }
      case "lab":
        return { decision: authorizeLab(principal, params.lab ?? "", rule.action), missing: { kind: "lab", id: params.lab ?? "" } };
      case "audit": {
        const scope = auditScope(principal);
        return { decision: "labs" in scope ? ALLOWED : scope, missing: null };
      }
      case "operator":
        return { decision: authorizeOperator(principal), missing: null };
      case "tokens":
        return { decision: authorizeTokenManagement(principal), missing: null };
    }
  }

  // One hook per request (each hook costs): who asks, then may they.
  function guard(rule: AccessRule, rateLimit: RateLimitKind | undefined) {
    return async function guardRoute(request: FastifyRequest, reply: FastifyReply): Promise<void> {
      const { principal, csrfToken } = await authenticate(deps.access, request);
      request.principal = principal;
      request.csrfToken = csrfToken;

      if (csrfToken !== undefined && UNSAFE.has(request.method)) {
        const origin = request.headers.origin;
        // Pages' forms send it as a field (they cannot set headers); scripts as a header.
        const sent = request.headers[CSRF_HEADER] ?? ((request.body ?? {}) as { csrf?: unknown }).csrf;
        if ((typeof origin === "string" && origin !== deps.publicOrigin()) || typeof sent !== "string" || !equalSecrets(sent, csrfToken)) {
          await deny(
            request,
            { allowed: false, status: 403, reason: `a change made with a session cookie needs the ${CSRF_HEADER} header of the session` },
            () => new Error(),
          );
        }
      }

      const { decision, missing } = await decide(request, rule);
      if (!decision.allowed) await deny(request, decision, () => notFoundError(request, missing));

      if (rateLimit) {
        const key = principal.kind === "user" ? `user:${principal.userId}` : `ip:${clientAddress(request)}`;
        const taken = await deps.limiters[rateLimit].take(key);
        if (!taken.allowed) {
          reply.header("retry-after", String(taken.retryAfterSeconds));
          throw new RateLimitedError(`too many requests; retry in ${taken.retryAfterSeconds} s`, taken.retryAfterSeconds);
        }
      }
    };
  }

  // Every change that succeeded is in the audit log: who, what, when, from where.
  function auditChange(action: string) {
    return async function auditRoute(request: FastifyRequest, reply: FastifyReply): Promise<void> {
      if (!UNSAFE.has(request.method) && request.method !== "GET") return;
      const principal: Principal = request.principal ?? ANONYMOUS;
      const params = (request.params ?? {}) as { project?: string; instance?: string; id?: string };
      // A project being created is named in the body; other bodies' names (a token's) name the target only.
      const named = ((request.body ?? {}) as { name?: unknown }).name;
      const bodyName = typeof named === "string" ? named : undefined;
      const project = params.project ?? (action === "create-project" ? bodyName : undefined) ?? null;
      const found = project ? await deps.findProject(project).catch(() => undefined) : undefined;
      const labs = found?.lab ? [found.lab] : principal.kind === "user" && !params.project ? [...principal.labs] : [];
      await deps.access.audit({
        actor: principal.kind === "user" ? principal.login : null,
        action,
        target: params.instance ? `${params.project}/${params.instance}` : (params.id ?? project ?? bodyName ?? ""),
        outcome: reply.statusCode < 400 ? "success" : "failure",
        project,
        labs,
        ip: clientAddress(request),
        detail: reply.statusCode < 400 ? "" : `HTTP ${reply.statusCode}`,
      });
    };
  }
}

/** The signed-in person, for handlers behind a rule that requires one. */
export function userOf(request: FastifyRequest): UserPrincipal {
  if (request.principal.kind !== "user") throw new UnauthenticatedError();
  return request.principal;
}
