// Signing in and out in a browser, `plateau login`'s browser step, and the bounce that lets
// an instance's host know who the browser's user is. These answer with pages and redirects,
// not JSON; they go through the same access layer as the API.
import type { FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import { Text } from "../../contracts/api.js";
import { loginCheckCode } from "../../contracts/login.js";
import { safeReturnTo } from "../../core/access/return-to.js";
import { isPlateauError, type PlateauError } from "../../core/errors.js";
import { IdentityProviderError } from "../../core/ports/identity-provider.js";
import type { App, ServerDeps } from "../app.js";
import { clearCookie, cookieHeader, LAST_PROVIDER_COOKIE, readCookie, SESSION_COOKIE, SIGN_IN_COOKIE } from "../cookies.js";
import { clientAddress } from "../access.js";
import { preferredLanguage } from "../../contracts/language.js";
import { cliConsentCsp, escapeHtml, page, PAGE_CSP, t, type Language } from "../pages.js";

const PUBLIC = { access: { kind: "public" } } as const;
const SIGN_IN_COOKIE_SECONDS = 600;
const PICKER_LIMIT = 50;

function html(reply: FastifyReply, status: number, body: string, csp = PAGE_CSP) {
  return reply
    .status(status)
    .header("content-type", "text/html; charset=utf-8")
    .header("cache-control", "no-store")
    .header("content-security-policy", csp)
    .send(body);
}

export function registerAuthRoutes(app: App, deps: ServerDeps): void {
  const { access } = deps.services;
  const origin = () => deps.publicOrigin();
  const lang = (request: FastifyRequest): Language => preferredLanguage(request.headers["accept-language"]);
  const signInUrl = (returnTo: string) => `/auth/sign-in?returnTo=${encodeURIComponent(returnTo)}`;

  function failure(request: FastifyRequest, reply: FastifyReply, status: number, message: string, retry: string, hint = "") {
    const l = lang(request);
    return html(
      reply,
      status,
      page(
        l,
        t(l, "Connexion impossible", "Sign-in failed"),
        `<h1>${t(l, "Connexion impossible", "Sign-in failed")}</h1><p class="error">${escapeHtml(message)}</p>${hint}<p><a href="${escapeHtml(retry)}">${t(l, "Réessayer", "Try again")}</a></p>`,
      ),
    );
  }

  /** A failed sign-in as a page: the reason, and for a provider's failure, what its administrators should check. */
  function signInFailure(request: FastifyRequest, reply: FastifyReply, error: PlateauError) {
    const l = lang(request);
    if (!(error instanceof IdentityProviderError)) return failure(request, reply, 403, error.message, "/auth/sign-in");
    const check = (items: string[]) =>
      `<p>${t(l, "À vérifier par l'administrateur de Plateau :", "What Plateau's administrator should check:")}</p><ul class="muted">${items.map((item) => `<li>${item}</li>`).join("")}</ul>`;
    const field = (name: string) => `<code>identity.providers[…].${name}</code>`;
    const hints: Record<IdentityProviderError["failure"], string> = {
      unreachable: `<p>${t(l, "Le fournisseur d'identité ne répond pas pour l'instant : réessayez dans quelques minutes.", "The identity provider does not answer now: try again in a few minutes.")}</p>`,
      configuration: check([
        t(
          l,
          `la configuration de ce fournisseur dans Plateau (le message ci-dessus nomme le champ), puis redémarrer Plateau`,
          `this provider's configuration in Plateau (the message above names the field), then restart Plateau`,
        ),
      ]),
      token: check([
        t(
          l,
          `l'identifiant et le secret du client (${field("clientId")}, ${field("clientSecret")}) tels qu'enregistrés chez le fournisseur`,
          `the client id and secret (${field("clientId")}, ${field("clientSecret")}) as registered at the provider`,
        ),
        t(
          l,
          `la méthode d'authentification du client (${field("tokenEndpointAuthMethod")} : client_secret_basic, client_secret_post ou private_key_jwt) acceptée par le fournisseur`,
          `the client authentication method (${field("tokenEndpointAuthMethod")}: client_secret_basic, client_secret_post or private_key_jwt) the provider accepts`,
        ),
        t(l, "les journaux du fournisseur, à l'heure de cette tentative", "the provider's logs, at the time of this attempt"),
      ]),
      userinfo: check([
        t(
          l,
          `les portées demandées (${field("scopes")}) et les attributs que le fournisseur publie pour Plateau`,
          `the scopes asked for (${field("scopes")}) and the attributes the provider releases to Plateau`,
        ),
        t(l, "les journaux du fournisseur, à l'heure de cette tentative", "the provider's logs, at the time of this attempt"),
      ]),
    };
    const status = error.failure === "token" || error.failure === "userinfo" ? 502 : 503;
    return failure(request, reply, status, error.message, "/auth/sign-in", hints[error.failure]);
  }

  app.get(
    "/auth/sign-in",
    {
      config: PUBLIC,
      schema: {
        tags: ["access"],
        summary: "The identity-provider picker (searchable; the last choice comes first)",
        querystring: Type.Object({ returnTo: Type.Optional(Type.String({ maxLength: 2000 })), q: Type.Optional(Type.String({ maxLength: 200 })) }),
      },
    },
    async (request, reply) => {
      const returnTo = safeReturnTo(request.query.returnTo);
      const providers = access.providers();
      const query = (request.query.q ?? "").trim().toLowerCase();
      if (providers.length === 1 && !query && providers[0])
        return reply.redirect(`/auth/login/${providers[0].id}?returnTo=${encodeURIComponent(returnTo)}`, 303);
      const last = readCookie(request.raw, LAST_PROVIDER_COOKIE);
      const matching = providers
        .filter(
          (provider) => !query || provider.title.toLowerCase().includes(query) || provider.issuer.toLowerCase().includes(query) || provider.id.includes(query),
        )
        .sort((a, b) => (a.id === last ? -1 : b.id === last ? 1 : a.title.localeCompare(b.title)));
      const l = lang(request);
      const items = matching
        .slice(0, PICKER_LIMIT)
        .map(
          (provider) =>
            `<li><a href="/auth/login/${escapeHtml(provider.id)}?returnTo=${escapeHtml(encodeURIComponent(returnTo))}">${escapeHtml(provider.title)}${provider.id === last ? ` <span class="muted">(${t(l, "dernier choix", "last used")})</span>` : ""}</a></li>`,
        )
        .join("");
      const more =
        matching.length > PICKER_LIMIT
          ? `<p class="muted">${t(l, `${matching.length - PICKER_LIMIT} autres : précisez la recherche.`, `${matching.length - PICKER_LIMIT} more: refine the search.`)}</p>`
          : "";
      return html(
        reply,
        200,
        page(
          l,
          t(l, "Se connecter", "Sign in"),
          `<h1>${t(l, "Se connecter à Plateau", "Sign in to Plateau")}</h1>
<form method="get" action="/auth/sign-in" role="search"><input type="hidden" name="returnTo" value="${escapeHtml(returnTo)}">
<label for="q">${t(l, "Votre établissement", "Your institution")}</label> <input id="q" name="q" value="${escapeHtml(request.query.q ?? "")}" autofocus> <button type="submit">${t(l, "Chercher", "Search")}</button></form>
<ul aria-label="${t(l, "Fournisseurs d'identité", "Identity providers")}">${items || `<li class="muted">${t(l, "Aucun établissement ne correspond.", "No institution matches.")}</li>`}</ul>${more}`,
        ),
      );
    },
  );

  app.get(
    "/auth/login/:provider",
    {
      config: { ...PUBLIC, rateLimit: "sign-in" },
      schema: {
        tags: ["access"],
        summary: "Starts signing in with a provider (authorization code flow with PKCE)",
        params: Type.Object({ provider: Type.String({ maxLength: 63 }) }),
        querystring: Type.Object({ returnTo: Type.Optional(Type.String({ maxLength: 2000 })) }),
      },
    },
    async (request, reply) => {
      const provider = request.params.provider;
      let begun: { url: string; key: string };
      try {
        begun = await access.beginSignIn(provider, `${origin()}/auth/callback/${provider}`, request.query.returnTo);
      } catch (error) {
        // A provider down or misconfigured: a page for the person, not JSON.
        if (!(error instanceof IdentityProviderError)) throw error;
        return signInFailure(request, reply, error);
      }
      const { url, key } = begun;
      reply.header("set-cookie", [
        cookieHeader(SIGN_IN_COOKIE, key, { maxAge: SIGN_IN_COOKIE_SECONDS, sameSite: "Lax" }),
        cookieHeader(LAST_PROVIDER_COOKIE, provider, { maxAge: 365 * 86_400, sameSite: "Lax" }),
      ]);
      return reply.redirect(url, 303);
    },
  );

  app.get(
    "/auth/callback/:provider",
    {
      // Not rate limited itself: only a sign-in started (and limited) at /auth/login completes here.
      config: PUBLIC,
      schema: { tags: ["access"], summary: "Where the provider sends the browser back", params: Type.Object({ provider: Type.String({ maxLength: 63 }) }) },
    },
    async (request, reply) => {
      const callbackUrl = new URL(request.url, origin());
      try {
        const signedIn = await access.completeSignIn(request.params.provider, readCookie(request.raw, SIGN_IN_COOKIE), callbackUrl, {
          ip: clientAddress(request),
        });
        reply.header("set-cookie", [clearCookie(SIGN_IN_COOKIE), cookieHeader(SESSION_COOKIE, signedIn.sessionId, { sameSite: "Lax" })]);
        return reply.redirect(signedIn.returnTo, 303);
      } catch (error) {
        if (!isPlateauError(error)) throw error;
        reply.header("set-cookie", clearCookie(SIGN_IN_COOKIE));
        return signInFailure(request, reply, error);
      }
    },
  );

  app.post(
    "/auth/logout",
    {
      config: PUBLIC,
      schema: { tags: ["access"], summary: "Signs out: the session ends here, then at the provider when it supports it" },
    },
    async (request, reply) => {
      const sessionId = readCookie(request.raw, SESSION_COOKIE);
      const providerLogout = sessionId ? await access.signOut(sessionId, `${origin()}/`, { ip: clientAddress(request) }) : undefined;
      reply.header("set-cookie", clearCookie(SESSION_COOKIE));
      if ((request.headers.accept ?? "").includes("application/json")) return reply.send({ logoutUrl: providerLogout ?? null });
      return reply.redirect(providerLogout ?? "/", 303);
    },
  );

  const CliQuery = Type.Object({
    port: Type.Integer({ minimum: 1024, maximum: 65535 }),
    challenge: Type.String({ pattern: "^[A-Za-z0-9_-]{43}$" }),
    state: Type.String({ pattern: "^[A-Za-z0-9_-]{16,128}$" }),
    name: Type.Optional(Text({ maxLength: 100 })),
  });
  app.get(
    "/auth/cli",
    { config: PUBLIC, schema: { tags: ["access"], summary: "`plateau login`: asks the signed-in person to let the CLI act for them", querystring: CliQuery } },
    async (request, reply) => {
      if (request.principal.kind !== "user" || request.csrfToken === undefined) return reply.redirect(signInUrl(request.url), 303);
      const { port, challenge, state } = request.query;
      const name = request.query.name ?? "plateau CLI";
      const l = lang(request);
      return html(
        reply,
        200,
        page(
          l,
          t(l, "Autoriser le terminal", "Allow the command line"),
          `<h1>${t(l, "Autoriser la commande plateau ?", "Allow the plateau command?")}</h1>
<p>${t(l, `La commande <strong>${escapeHtml(name)}</strong> de cette machine pourra agir en votre nom (<strong>${escapeHtml(request.principal.login)}</strong>) avec un jeton d'API.`, `The command <strong>${escapeHtml(name)}</strong> on this machine will act as you (<strong>${escapeHtml(request.principal.login)}</strong>) with an API token.`)}</p>
<p>${t(l, `Code : <strong>${loginCheckCode(challenge)}</strong>. N'acceptez que si vous venez de lancer plateau login et que votre terminal affiche ce même code.`, `Code: <strong>${loginCheckCode(challenge)}</strong>. Only allow this if you just ran plateau login and your terminal shows this same code.`)}</p>
<p class="muted">${t(l, `Le jeton pourra tout ce que vous pouvez, dans tous vos projets, jusqu'à ce qu'il expire ou que vous le révoquiez. Il sera remis au programme qui écoute sur le port ${port} de cet ordinateur.`, `The token can do all you can, in all your projects, until it expires or you revoke it. It goes to the program listening on port ${port} of this computer.`)}</p>
<form method="post" action="/auth/cli"><input type="hidden" name="csrf" value="${escapeHtml(request.csrfToken)}"><input type="hidden" name="port" value="${port}"><input type="hidden" name="challenge" value="${escapeHtml(challenge)}"><input type="hidden" name="state" value="${escapeHtml(state)}"><input type="hidden" name="name" value="${escapeHtml(name)}">
<button type="submit">${t(l, "Autoriser", "Allow")}</button></form>`,
        ),
        // The form's answer redirects to the CLI's loopback address: this page's form-action allows that origin alone.
        cliConsentCsp(port),
      );
    },
  );
  app.post(
    "/auth/cli",
    {
      config: { access: { kind: "signed-in" }, audit: "cli.authorize" },
      schema: {
        tags: ["access"],
        summary: "The person allowed the CLI: a one-time code goes to its loopback address",
        body: Type.Intersect([CliQuery, Type.Object({ csrf: Type.String() })]),
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      if (principal.kind !== "user" || principal.via !== "session") return reply.redirect("/auth/sign-in", 303);
      const code = await access.issueCliCode(principal, request.body.challenge, request.body.name ?? "plateau CLI");
      // Only ever the loopback address: the port is the one thing the CLI chooses.
      return reply.redirect(
        `http://127.0.0.1:${request.body.port}/callback?code=${encodeURIComponent(code)}&state=${encodeURIComponent(request.body.state)}`,
        303,
      );
    },
  );
  app.post(
    "/auth/cli/token",
    {
      config: { ...PUBLIC, rateLimit: "token" },
      schema: {
        tags: ["access"],
        summary: "The CLI exchanges its one-time code and PKCE verifier for an API token",
        body: Type.Object({ code: Type.String({ maxLength: 200 }), verifier: Type.String({ minLength: 43, maxLength: 128 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ token: Type.String(), id: Type.String(), login: Type.String(), expiresAt: Type.String() }) },
      },
    },
    async (request) => {
      const created = await access.exchangeCliCode(request.body.code, request.body.verifier, { ip: clientAddress(request) });
      const login = (await access.loginOf(created.record.userId)) ?? "";
      return { token: created.token, id: created.record.id, login, expiresAt: created.record.expiresAt };
    },
  );

  app.get(
    "/auth/instance",
    {
      // Each bounce may make a ticket and an instance session: bounded per person.
      config: { ...PUBLIC, rateLimit: "bounce" },
      schema: {
        tags: ["access"],
        summary: "The local proxy sends browsers here to learn who they are, then back to the instance with a one-time ticket",
        querystring: Type.Object({ host: Type.String({ maxLength: 300 }), path: Type.Optional(Type.String({ maxLength: 2000 })) }),
      },
    },
    async (request, reply) => {
      // The rules (the instance's own origin only, an instance the person may open) are the gate's.
      const answer = deps.proxy
        ? await deps.proxy.gate.bounce({
            principal: request.principal,
            sessionId: readCookie(request.raw, SESSION_COOKIE),
            host: request.query.host,
            path: request.query.path,
            ip: clientAddress(request),
          })
        : ({ kind: "not-found" } as const);
      if (answer.kind === "sign-in") return reply.redirect(signInUrl(request.url), 303);
      if (answer.kind === "ticket") return reply.redirect(answer.location, 303);
      const l = lang(request);
      return html(
        reply,
        404,
        page(
          l,
          t(l, "Introuvable", "Not found"),
          `<h1>${t(l, "Cette instance n'existe pas, ou vous n'en êtes pas membre.", "This instance does not exist, or you are not a member of it.")}</h1>`,
        ),
      );
    },
  );

  app.get("/", { config: PUBLIC, schema: { hide: true } }, async (request, reply) => {
    const l = lang(request);
    const principal = request.principal;
    const body =
      principal.kind === "user" && request.csrfToken
        ? `<h1>Plateau</h1><p>${t(l, "Connecté en tant que", "Signed in as")} <strong>${escapeHtml(principal.login)}</strong>.</p>
<p><a href="/api/v1/openapi.json">API</a> · <a href="/api/v1/me">/api/v1/me</a></p>
<form method="post" action="/auth/logout"><input type="hidden" name="csrf" value="${escapeHtml(request.csrfToken)}"><button type="submit">${t(l, "Se déconnecter", "Sign out")}</button></form>`
        : `<h1>Plateau</h1><p><a href="/auth/sign-in">${t(l, "Se connecter", "Sign in")}</a></p>`;
    return html(reply, 200, page(l, "Plateau", body));
  });
}
