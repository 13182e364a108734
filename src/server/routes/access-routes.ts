// Routes about who one is and what one may use: the signed-in person, API tokens, labs,
// the audit log and the identity providers.
import type { FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import { auditScope, personalProjectName } from "../../core/access/policy.js";
import { NotAllowedError, NotFoundError } from "../../core/errors.js";
import {
  AuditQuery,
  AuditRecord,
  CreateTokenBody,
  ErrorBody,
  IdentityProviderInfo,
  Lab,
  LabParams,
  List,
  Me,
  SignedIn,
  Token,
  TokenCreated,
  TokenParams,
} from "../../contracts/api.js";
import type { TokenRecord } from "../../core/ports/access-store.js";
import type { App, ServerDeps } from "../app.js";
import { userOf, type RouteAccess } from "../access.js";

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 429: ErrorBody, 500: ErrorBody };
const TOKENS: RouteAccess = { access: { kind: "tokens" } };

const tokenView = ({ hash: _hash, userId: _userId, projects, ...visible }: TokenRecord) => ({ ...visible, projects: projects === null ? null : [...projects] });

export function registerAccessRoutes(app: App, deps: ServerDeps): void {
  const { access, tenancy } = deps.services;

  app.get(
    "/identity-providers",
    {
      config: { access: { kind: "public" } },
      schema: { tags: ["access"], summary: "The identity providers one may sign in with", response: { 200: List(IdentityProviderInfo) } },
    },
    async () => ({ items: access.providers() }),
  );

  const meOf = (request: FastifyRequest): Me => {
    const me = userOf(request);
    return {
      login: me.login,
      name: me.name,
      labs: [...me.labs],
      labAdminOf: [...me.labAdminOf],
      operator: me.operator,
      personalProject: personalProjectName(me.login),
      via: me.via,
      csrfToken: request.csrfToken ?? null,
    };
  };
  /**
   * Who the cookie is, with the session's CSRF token: never kept by a cache, which could hand it
   * to the next request without that cookie (a shared cache may store an answer to a request
   * that carries a cookie but no Authorization header, as the portal's do).
   */
  const personal = <T>(reply: FastifyReply, body: T): T => {
    reply.header("cache-control", "no-store");
    return body;
  };
  app.get(
    "/me",
    { config: { access: { kind: "signed-in" } }, schema: { tags: ["access"], summary: "Who you are signed in as", response: { 200: Me, ...errors } } },
    async (request: FastifyRequest, reply: FastifyReply) => personal(reply, meOf(request)),
  );
  // The portal's first question: whether anyone is signed in is an answer, not a 401 (which
  // every anonymous visit would log in the browser's console as a failed request).
  app.get(
    "/session",
    {
      config: { access: { kind: "public" } },
      schema: {
        tags: ["access"],
        summary: "Who is signed in, if anyone: null without credentials, never a 401 for that (an invalid or revoked bearer token is still one)",
        response: { 200: SignedIn, ...errors },
      },
    },
    async (request: FastifyRequest, reply: FastifyReply) => personal(reply, { me: request.principal.kind === "user" ? meOf(request) : null }),
  );

  app.get(
    "/tokens",
    { config: TOKENS, schema: { tags: ["access"], summary: "Your API tokens (never their value)", response: { 200: List(Token), ...errors } } },
    async (request) => ({ items: (await access.listTokens(userOf(request))).map(tokenView) }),
  );
  app.post(
    "/tokens",
    {
      config: { ...TOKENS, audit: "token.create", rateLimit: "token" },
      schema: {
        tags: ["access"],
        summary: "Create an API token; its value is shown once",
        description: "Use it as `Authorization: Bearer <token>` or PLATEAU_TOKEN. Limit it to projects and to reading where you can.",
        body: CreateTokenBody,
        response: { 201: TokenCreated, ...errors },
      },
    },
    async (request, reply) => {
      const me = userOf(request);
      const created = await access.createToken(me, {
        name: request.body.name,
        projects: request.body.projects,
        write: request.body.write,
        days: request.body.expiresInDays,
      });
      return reply.status(201).send({ token: created.token, record: tokenView(created.record) });
    },
  );
  app.delete(
    "/tokens/:id",
    {
      config: { ...TOKENS, audit: "token.revoke" },
      schema: { tags: ["access"], summary: "Revoke one of your API tokens", params: TokenParams, response: { 204: Type.Null(), ...errors } },
    },
    async (request, reply) => {
      await access.revokeToken(userOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    "/labs",
    {
      config: { access: { kind: "signed-in" } },
      schema: { tags: ["labs"], summary: "Your labs (all of them, for operators)", response: { 200: List(Lab), ...errors } },
    },
    async (request) => {
      const me = userOf(request);
      if (me.scope.projects !== null) throw new NotAllowedError("not allowed: a token limited to projects cannot read labs");
      const names = me.operator
        ? [...new Set((await deps.services.projects.list()).flatMap((project) => (project.lab ? [project.lab] : [])).concat(me.labs))]
        : [...new Set([...me.labs, ...me.labAdminOf])];
      return { items: await Promise.all(names.sort().map((name) => tenancy.lab(name))) };
    },
  );
  app.get(
    "/labs/:lab",
    {
      config: { access: { kind: "lab", action: "read" } },
      schema: { tags: ["labs"], summary: "A lab: its projects, quota and usage", params: LabParams, response: { 200: Lab, ...errors } },
    },
    async (request) => {
      const me = userOf(request);
      const lab = await tenancy.lab(request.params.lab);
      // An operator asking for a lab nobody has, declared nowhere, gets what anyone would: 404.
      if (!lab.declared && lab.projects.length === 0 && !me.labs.includes(lab.name) && !me.labAdminOf.includes(lab.name)) {
        throw new NotFoundError("lab", request.params.lab);
      }
      return lab;
    },
  );

  app.get(
    "/audit",
    {
      config: { access: { kind: "audit" } },
      schema: {
        tags: ["access"],
        summary: "The audit log, newest first: every sign-in, denied access and change (operators: all; lab admins: their labs)",
        querystring: AuditQuery,
        response: { 200: List(AuditRecord), ...errors },
      },
    },
    async (request) => {
      const scope = auditScope(request.principal);
      const labs = "labs" in scope ? scope.labs : [];
      const records = await access.listAudit({ labs, limit: request.query.limit ?? 100, before: request.query.before });
      return { items: records.map((record) => ({ ...record, labs: [...record.labs] })) };
    },
  );
}
