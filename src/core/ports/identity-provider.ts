// Signing in through an OpenID Connect provider (an institution's, a federation proxy, or
// the embedded one). One IdentityProvider per configured provider; the server keeps the
// pending sign-in (state, nonce, PKCE verifier) server-side, bound to the browser.
import { UnavailableError } from "../errors.js";

/** What must be kept between the redirect to the provider and its answer. Secret. */
export interface PendingSignIn {
  /** The provider this sign-in was started with: the callback must come back to it (mix-up defence). */
  readonly provider: string;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly redirectUri: string;
}

/** A verified identity: the ID token passed every check, userinfo (if fetched) agreed on `sub`. */
export interface VerifiedIdentity {
  /** The provider's issuer identifier, exactly as discovered. Users are keyed by (issuer, subject). */
  readonly issuer: string;
  readonly subject: string;
  /** ID token claims merged with userinfo claims (ID token wins on conflicts). */
  readonly claims: Readonly<Record<string, unknown>>;
  /** Kept for RP-initiated logout (`id_token_hint`). */
  readonly idToken: string;
}

export interface IdentityProvider {
  /** Stable id used in URLs (`/auth/callback/<id>`) and configuration. */
  readonly id: string;
  /** Shown in the provider picker. */
  readonly title: string;
  readonly issuer: string;
  /** Starts a sign-in: the URL to send the browser to, and what to keep until the callback. */
  begin(redirectUri: string): Promise<{ url: string; pending: PendingSignIn }>;
  /**
   * Completes a sign-in from the callback URL the browser was sent to. Throws a
   * NotAllowedError naming the failed check (state, iss, nonce, signature…); checks that
   * can be made on the callback itself (state, iss, error) are made before any request to
   * the provider's token endpoint.
   */
  complete(pending: PendingSignIn, callbackUrl: URL): Promise<VerifiedIdentity>;
  /** The provider's end-session URL (RP-initiated logout), when it has one. */
  logoutUrl(idToken: string, postLogoutRedirectUri: string): Promise<string | undefined>;
  /**
   * Reads the provider's discovery document now (at start-up), checking it as a sign-in would:
   * throws an IdentityProviderError saying what is wrong. A success is kept for the sign-ins;
   * a failure is not (the next sign-in or check reads it again).
   */
  discover(): Promise<void>;
}

/**
 * Where a provider failed:
 * - `unreachable`: its discovery document or JWKS could not be read (down, 5xx, timeout);
 * - `configuration`: what it publishes contradicts Plateau's configuration (the issuer is not
 *   exactly the configured one, no usable client authentication method…): an operator's fix;
 * - `token`: its token endpoint refused or failed the code exchange (client id, secret,
 *   authentication method…);
 * - `userinfo`: its userinfo endpoint refused or failed.
 */
export type ProviderFailure = "unreachable" | "configuration" | "token" | "userinfo";

/**
 * A sign-in that cannot complete because of the provider or of its configuration, not of the
 * person: the failure page says what to check, the log says which provider and which error.
 * Its message names no secret.
 */
export class IdentityProviderError extends UnavailableError {
  constructor(
    message: string,
    readonly provider: string,
    readonly failure: ProviderFailure,
    /** The provider's OAuth error code (`invalid_client`), or `http_<status>`, `unreachable`, `issuer_mismatch`…: safe to log. */
    readonly errorCode: string,
  ) {
    super(message, failure === "unreachable" ? { reason: "identity-provider-unreachable", params: { provider } } : undefined);
    this.name = "IdentityProviderError";
  }
}
