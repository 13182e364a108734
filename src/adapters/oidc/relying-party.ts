// The OpenID Connect relying party: one configured provider, authorization code flow with PKCE.
// openid-client (oauth4webapi) makes the protocol checks it knows (callback state and iss, token
// response, ID token iss/aud/azp/nonce/exp/alg, userinfo sub). It leaves the ID token signature to
// the application when the token comes from the token endpoint, and never bounds `iat`: those
// checks are made here with jose, on the raw ID token, before the identity is accepted.
// What fails on the provider's side (discovery, its token or userinfo endpoint) is an
// IdentityProviderError naming the provider, the stage and its error code, never a secret;
// what refuses the sign-in itself is a NotAllowedError naming the check.
import * as oidc from "openid-client";
import { createRemoteJWKSet, customFetch as joseCustomFetch, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { NotAllowedError, UnavailableError, assert, isPlateauError } from "../../core/errors.js";
import { IdentityProviderError, type IdentityProvider, type PendingSignIn, type ProviderFailure } from "../../core/ports/identity-provider.js";

/** How Plateau authenticates to the token endpoint (RFC 6749 §2.3, OpenID Connect Core §9). */
export type TokenEndpointAuthMethod = "client_secret_basic" | "client_secret_post" | "private_key_jwt";

export interface OidcRelyingPartyParams {
  readonly id: string;
  readonly title: string;
  /** Compared exactly (no normalisation) with the discovered issuer and every `iss` seen. */
  readonly issuer: string;
  readonly clientId: string;
  /** Absent (and no private key): a public client, protected by PKCE alone. */
  readonly clientSecret?: string;
  /**
   * Absent: client_secret_basic, or client_secret_post when the provider announces only that
   * (with a secret); private_key_jwt needs `privateKey`.
   */
  readonly tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
  /** For private_key_jwt: the key that signs the client assertion, and the `kid` put in its header. */
  readonly privateKey?: { readonly key: oidc.CryptoKey; readonly kid?: string };
  /** Where this provider is configured (`identity.providers[2]`): named in configuration errors. */
  readonly configPath?: string;
  /** Default: openid, profile, email. */
  readonly scopes?: readonly string[];
  /** Accept http:// endpoints: the embedded provider on loopback, and tests. */
  readonly allowInsecureHttp?: boolean;
  /** Every request to the provider goes through it (tests count calls with it). */
  readonly fetch?: typeof fetch;
  /** Per request to the provider. Default 10 s. */
  readonly timeoutMs?: number;
}

const DEFAULT_SCOPES = ["openid", "profile", "email"];
const DEFAULT_TIMEOUT_MS = 10_000;
/** Clock difference tolerated between us and the provider, for `exp` and a future `iat`. */
const CLOCK_SKEW_S = 60;
/**
 * Oldest acceptable ID token. It was minted in answer to the token request we have just made,
 * so its age is the provider's clock lag plus latency: 10 minutes leaves room for an
 * institutional provider whose clock lags by minutes, and still refuses a token captured long ago
 * and replayed from a compromised or mis-caching token endpoint.
 */
const ID_TOKEN_MAX_AGE_S = 600;

/** What discovery yields, kept for the life of the relying party. */
interface Discovered {
  readonly config: oidc.Configuration;
  readonly metadata: Readonly<oidc.ServerMetadata>;
  readonly jwks: JWTVerifyGetKey;
  /** ID token algorithms accepted: those the provider advertises, but `none` and the symmetric ones (keyed by the client secret, not the JWKS). */
  readonly algorithms: string[];
}

export function createOidcRelyingParty(params: OidcRelyingPartyParams): IdentityProvider {
  const { id, title, issuer, clientId } = params;
  assert(params.tokenEndpointAuthMethod !== "private_key_jwt" || params.privateKey !== undefined, `${title}: private_key_jwt needs a private key`);
  const scope = (params.scopes ?? DEFAULT_SCOPES).join(" ");
  const providerFetch = guardedFetch(params.fetch ?? fetch, title, params.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  let discovery: Promise<Discovered> | undefined;

  /** Discovers once; a failed discovery is forgotten so that the next sign-in tries again. */
  function discovered(): Promise<Discovered> {
    discovery ??= discover(params, providerFetch).catch((error: unknown) => {
      discovery = undefined;
      throw error;
    });
    return discovery;
  }

  return {
    id,
    title,
    issuer,

    async begin(redirectUri) {
      const redirect = new URL(redirectUri);
      // openid-client derives the token request's redirect_uri from the callback URL minus its query.
      assert(redirect.search === "" && redirect.hash === "", `redirect URI must carry no query or fragment: ${redirectUri}`);
      const { config } = await discovered();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope,
        state,
        nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: "S256",
      });
      return { url: url.href, pending: { provider: id, state, nonce, codeVerifier, redirectUri } };
    },

    async complete(pending, callbackUrl) {
      if (pending.provider !== id) throw refused(`provider mismatch (sign-in started with "${pending.provider}", completed by "${id}")`);
      const { config, metadata, jwks, algorithms } = await discovered();
      checkCallback(callbackUrl.searchParams, pending, issuer, metadata);

      // The token request must repeat the redirect_uri of the authorization request, whatever
      // host or path the server saw the callback on.
      const redirect = new URL(pending.redirectUri);
      redirect.search = callbackUrl.search;
      let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
      try {
        tokens = await oidc.authorizationCodeGrant(config, redirect, {
          pkceCodeVerifier: pending.codeVerifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        });
      } catch (error) {
        throw (await endpointFailure(error, params, "token")) ?? fromOpenIdClient(error, "token endpoint");
      }
      const idToken = tokens.id_token;
      assert(idToken !== undefined, "openid-client returned no ID token although one was required");
      const claims = await verifyIdToken(idToken, { jwks, algorithms, issuer, clientId });
      const subject = claims.sub;
      assert(typeof subject === "string", "openid-client accepted an ID token without a string sub");

      let userinfo: Record<string, unknown> = {};
      if (metadata.userinfo_endpoint !== undefined) {
        try {
          userinfo = await oidc.fetchUserInfo(config, tokens.access_token, subject);
        } catch (error) {
          throw (await endpointFailure(error, params, "userinfo")) ?? fromOpenIdClient(error, "userinfo endpoint");
        }
      }
      return { issuer, subject, claims: { ...userinfo, ...claims }, idToken };
    },

    async logoutUrl(idToken, postLogoutRedirectUri) {
      const { config, metadata } = await discovered();
      if (metadata.end_session_endpoint === undefined) return undefined;
      return oidc.buildEndSessionUrl(config, { id_token_hint: idToken, post_logout_redirect_uri: postLogoutRedirectUri }).href;
    },

    async discover() {
      await discovered();
    },
  };
}

async function discover(params: OidcRelyingPartyParams, providerFetch: ProviderFetch): Promise<Discovered> {
  const { id, title, issuer, clientId, allowInsecureHttp = false } = params;
  const at = params.configPath ?? `identity.providers (${id})`;
  const unreachable = (message: string) => new IdentityProviderError(`${title}: ${message}`, id, "unreachable", "unreachable");
  const misconfigured = (message: string, code: string) => new IdentityProviderError(`${title}: ${message}`, id, "configuration", code);
  let config: oidc.Configuration;
  try {
    config = await oidc.discovery(new URL(issuer), clientId, { [oidc.clockTolerance]: CLOCK_SKEW_S }, clientAuthentication(params), {
      [oidc.customFetch]: providerFetch,
      execute: allowInsecureHttp ? [oidc.allowInsecureRequests] : [],
    });
  } catch (error) {
    const plateau = findPlateauError(error);
    if (plateau instanceof IdentityProviderError) throw plateau;
    throw unreachable(`OpenID Connect discovery failed: ${plateau?.message ?? errorText(error)}`);
  }
  const metadata = config.serverMetadata();
  // openid-client compares normalised URLs; users are keyed by the issuer string, so it must be exact.
  if (metadata.issuer !== issuer) {
    const hint = metadata.issuer.replace(/\/$/, "") === issuer.replace(/\/$/, "") ? " (they differ by a trailing slash)" : "";
    throw misconfigured(
      `issuer mismatch: ${at}.issuer is "${issuer}" but the provider's discovery document says "${printable(metadata.issuer, 500)}"${hint}; ` +
        `set ${at}.issuer to exactly the discovered value`,
      "issuer_mismatch",
    );
  }
  if (metadata.jwks_uri === undefined) throw misconfigured("the discovery document has no jwks_uri", "no_jwks_uri");
  const jwksUri = new URL(metadata.jwks_uri);
  // openid-client refuses http endpoints itself; jose, which fetches the JWKS, does not.
  if (jwksUri.protocol !== "https:" && !allowInsecureHttp) throw misconfigured(`jwks_uri is not https: ${metadata.jwks_uri}`, "insecure_jwks_uri");
  const method = authMethod(params, metadata);
  if (method.error !== undefined) throw misconfigured(method.error.replace("<at>", at), "unsupported_auth_method");
  const algorithms = (metadata.id_token_signing_alg_values_supported ?? ["RS256"]).filter((alg) => alg !== "none" && !alg.startsWith("HS"));
  const jwks = createRemoteJWKSet(jwksUri, {
    // Refetch as soon as a token names an unknown kid (key rotation), once per token: only the
    // provider's own token endpoint hands us tokens, so this cannot be used to flood it.
    cooldownDuration: 0,
    timeoutDuration: params.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    [joseCustomFetch]: providerFetch,
  });
  return { config, metadata, jwks, algorithms };
}

/** Client authentication at each token request, by the method authMethod chooses (checked at discovery). */
function clientAuthentication(params: OidcRelyingPartyParams): oidc.ClientAuth {
  const { title, clientSecret, privateKey } = params;
  if (params.tokenEndpointAuthMethod === "private_key_jwt" && privateKey) return oidc.PrivateKeyJwt({ key: privateKey.key, kid: privateKey.kid });
  if (clientSecret === undefined) return oidc.None();
  const methods = { client_secret_basic: oidc.ClientSecretBasic(clientSecret), client_secret_post: oidc.ClientSecretPost(clientSecret) };
  return (as, client, body, headers) => {
    const { method } = authMethod(params, as);
    assert(method === "client_secret_basic" || method === "client_secret_post", `${title}: no client secret method (checked at discovery)`);
    methods[method](as, client, body, headers);
  };
}

/**
 * The token endpoint authentication method: the configured one, which the provider must list
 * when it lists any; by default client_secret_basic, or client_secret_post when the provider
 * lists only that (RFC 8414: an absent list means client_secret_basic).
 */
function authMethod(params: OidcRelyingPartyParams, metadata: oidc.ServerMetadata): { method?: TokenEndpointAuthMethod | "none"; error?: string } {
  const listed = metadata.token_endpoint_auth_methods_supported;
  const configured = params.tokenEndpointAuthMethod;
  if (configured === undefined && params.clientSecret === undefined) return { method: "none" };
  if (configured !== undefined) {
    if (listed === undefined || listed.includes(configured)) return { method: configured };
    return {
      error: `<at>.tokenEndpointAuthMethod is ${configured} but the provider offers only ${listed.map((m) => printable(m)).join(", ") || "nothing"}`,
    };
  }
  const supported = listed ?? ["client_secret_basic"];
  if (supported.includes("client_secret_basic")) return { method: "client_secret_basic" };
  if (supported.includes("client_secret_post")) return { method: "client_secret_post" };
  return {
    error: `the provider supports neither client_secret_basic nor client_secret_post (it offers ${supported.map((m) => printable(m)).join(", ") || "nothing"}); set <at>.tokenEndpointAuthMethod`,
  };
}

/**
 * The checks that need nothing but the callback, made before any request to the token endpoint.
 * openid-client repeats them; ours come first so that the refusal names the check.
 */
function checkCallback(callback: URLSearchParams, pending: PendingSignIn, issuer: string, metadata: oidc.ServerMetadata): void {
  // RFC 9207: the issuer that answered; a different one is a mix-up attack.
  const iss = single(callback, "iss");
  if (iss === undefined && metadata.authorization_response_iss_parameter_supported === true) throw refused("issuer missing (iss parameter)");
  if (iss !== undefined && iss !== issuer) throw refused("issuer mismatch (iss parameter)");
  // An error before state: both refuse, and the provider's error code is what an operator needs.
  const error = single(callback, "error");
  if (error !== undefined) throw refused(`provider returned error ${printable(error)}`);
  const state = single(callback, "state");
  if (state === undefined) throw refused("state missing");
  if (state !== pending.state) throw refused("state mismatch");
  if (single(callback, "code") === undefined) throw refused("authorization code missing");
}

function single(parameters: URLSearchParams, name: string): string | undefined {
  const values = parameters.getAll(name);
  if (values.length > 1) throw refused(`duplicate ${name} parameter`);
  return values[0];
}

async function verifyIdToken(
  idToken: string,
  expected: { jwks: JWTVerifyGetKey; algorithms: string[]; issuer: string; clientId: string },
): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(idToken, expected.jwks, {
      algorithms: expected.algorithms,
      // iss and aud were checked by openid-client already; repeated because they are free here.
      issuer: expected.issuer,
      audience: expected.clientId,
      requiredClaims: ["sub", "exp", "iat"],
      maxTokenAge: ID_TOKEN_MAX_AGE_S,
      clockTolerance: CLOCK_SKEW_S,
    });
    return payload;
  } catch (error) {
    throw fromJose(error);
  }
}

/** Names, for a person, the ID token claim checks that both libraries report by claim name. */
const CLAIM_CHECKS: Readonly<Record<string, string>> = {
  iss: "issuer mismatch (ID token iss claim)",
  aud: "audience mismatch (ID token aud claim)",
  azp: "authorized party mismatch (ID token azp claim)",
  nonce: "nonce mismatch",
  exp: "ID token expired",
  nbf: "ID token not yet valid (nbf)",
  auth_time: "authentication too old (auth_time)",
};

function fromJose(error: unknown): Error {
  const plateau = findPlateauError(error);
  if (plateau) return plateau;
  if (error instanceof joseErrors.JWKSTimeout) return new UnavailableError("JWKS request timed out");
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return refused("ID token signature invalid");
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return refused("ID token alg not allowed");
  if (error instanceof joseErrors.JWKSMultipleMatchingKeys) return refused("ID token has no kid and the provider's JWKS has several candidate keys");
  if (error instanceof joseErrors.JWKSNoMatchingKey) return refused("ID token kid not in the provider's JWKS");
  if (error instanceof joseErrors.JWTClaimValidationFailed || error instanceof joseErrors.JWTExpired) {
    if (error.reason === "missing") return refused(`ID token ${error.claim} claim missing`);
    // jose reports both iat bounds on the claim iat: too old as JWTExpired, in the future otherwise.
    if (error.claim === "iat") return refused(error instanceof joseErrors.JWTExpired ? "ID token iat too old" : "ID token iat in the future");
    return refused(CLAIM_CHECKS[error.claim] ?? `ID token ${error.claim} check failed`);
  }
  if (error instanceof joseErrors.JOSEError) return refused(`ID token invalid: ${error.message}`);
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * A failure of the provider's token or userinfo endpoint itself (an error answer, an HTTP
 * error, unreachable), as opposed to a check of what it answered: the provider's error code,
 * never the request (which carries the client's credentials).
 */
async function endpointFailure(
  error: unknown,
  params: OidcRelyingPartyParams,
  failure: ProviderFailure & ("token" | "userinfo"),
): Promise<IdentityProviderError | undefined> {
  const what = failure === "token" ? "the token endpoint" : "the userinfo endpoint";
  const fail = (code: string, detail: string) => new IdentityProviderError(`${params.title}: ${what} ${detail}`, params.id, failure, code);
  const plateau = findPlateauError(error);
  if (plateau instanceof UnavailableError) {
    const status = /answered HTTP (\d{3})/.exec(plateau.message)?.[1];
    return fail(status ? `http_${status}` : "unreachable", `failed: ${plateau.message}`);
  }
  if (plateau) return undefined;
  if (error instanceof oidc.ResponseBodyError) {
    // The code was used already, expired, or issued for another redirect URI or verifier: this
    // sign-in is refused (as a replay would be), the client itself was not.
    if (failure === "token" && error.error === "invalid_grant") return undefined;
    const code = printable(error.error);
    return fail(code, `answered HTTP ${error.status} with error ${code}${error.error_description ? ` (${printable(error.error_description, 200)})` : ""}`);
  }
  if (error instanceof oidc.WWWAuthenticateChallengeError) {
    // The challenge may name the error; else the body often does (LemonLDAP::NG: 401, Basic, {"error":"invalid_client"}).
    const challenged = error.cause.map((challenge) => challenge.parameters.error).find((code) => typeof code === "string");
    const code = printable(challenged ?? (await errorInBody(error.response)) ?? `http_${error.status}`);
    return fail(code, `answered HTTP ${error.status} with error ${code}`);
  }
  // An answer that is not what the protocol says (an HTML error page, a redirect…).
  const response = responseOf(error);
  if (response && !response.ok) {
    const code = printable((await errorInBody(response)) ?? `http_${response.status}`);
    return fail(code, `answered HTTP ${response.status}${code.startsWith("http_") ? "" : ` with error ${code}`}`);
  }
  return undefined;
}

/** The `error` member of a JSON error answer, when it has one. */
async function errorInBody(response: Response): Promise<string | undefined> {
  try {
    const body: unknown = await response.clone().json();
    return isRecord(body) && typeof body.error === "string" ? body.error : undefined;
  } catch {
    return undefined;
  }
}

/** The HTTP response an oauth4webapi processing error carries, when it carries one. */
function responseOf(error: unknown): Response | undefined {
  for (let cause = error, depth = 0; cause !== undefined && depth < 4; depth++) {
    if (isRecord(cause) && cause.cause instanceof Response) return cause.cause;
    if (isRecord(cause) && cause.response instanceof Response) return cause.response;
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return undefined;
}

/** Maps an openid-client failure to the check that failed. */
function fromOpenIdClient(error: unknown, endpoint: string): Error {
  const plateau = findPlateauError(error);
  if (plateau) return plateau;
  if (error instanceof oidc.ResponseBodyError) return refused(`${endpoint} error ${printable(error.error)}`);
  if (error instanceof oidc.AuthorizationResponseError) return refused(`provider returned error ${printable(error.error)}`);
  if (!(error instanceof oidc.ClientError)) return error instanceof Error ? error : new Error(String(error));
  // ClientError wraps oauth4webapi's error, whose `cause` names the claim or attribute compared.
  const library = error.cause instanceof Error ? error.cause : undefined;
  const compared: unknown = library?.cause;
  const claim = isRecord(compared) && typeof compared.claim === "string" ? compared.claim : undefined;
  if (claim !== undefined) return refused(CLAIM_CHECKS[claim] ?? `ID token ${claim} check failed`);
  if (isRecord(compared) && compared.attribute === "sub") return refused("userinfo sub differs from the ID token sub");
  const message = library?.message ?? error.message;
  const missing = /"(\w+)" \([^)]*\) claim missing/.exec(message);
  if (missing) return refused(`ID token ${missing[1]} claim missing`);
  if (message.includes('"alg"')) return refused("ID token alg not allowed");
  return refused(`${endpoint} response invalid: ${message}`);
}

type ProviderFetch = (url: string, init: RequestInit) => Promise<Response>;

/**
 * Every request to the provider, with a timeout; an unreachable or failing (5xx) provider
 * becomes an UnavailableError that the libraries carry up as the cause of their own errors.
 */
function guardedFetch(base: typeof fetch, title: string, timeoutMs: number): ProviderFetch {
  return async (url, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const what = `${title} (${new URL(url).pathname})`;
    let response: Response;
    try {
      response = await base(url, { ...init, signal: init.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
    } catch (error) {
      throw new UnavailableError(`${what} cannot be reached: ${errorText(error)}`);
    }
    if (response.status >= 500) {
      await response.body?.cancel();
      throw new UnavailableError(`${what} answered HTTP ${response.status}`);
    }
    return response;
  };
}

function refused(check: string): NotAllowedError {
  return new NotAllowedError(`sign-in refused: ${check}`);
}

function findPlateauError(error: unknown): Error | undefined {
  for (let cause = error, depth = 0; cause !== undefined && depth < 8; depth++) {
    if (isPlateauError(cause)) return cause;
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return undefined;
}

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message;
}

/** Provider-supplied text in our messages: the RFC 6749 error-code alphabet, bounded. */
function printable(text: string, length = 64): string {
  return text.replace(/[^\x20-\x7e]/g, "?").slice(0, length);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}
