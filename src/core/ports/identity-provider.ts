// Signing in through an OpenID Connect provider (an institution's, a federation proxy, or
// the embedded one). One IdentityProvider per configured provider; the server keeps the
// pending sign-in (state, nonce, PKCE verifier) server-side, bound to the browser.

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
}
