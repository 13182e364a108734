// Signing in with an identity provider: a pending sign-in bound to the browser, taken once by
// the provider's callback, the claims mapped to a login and labs, then a new session.
import { NotAllowedError, NotFoundError } from "../errors.js";
import type { UserRecord } from "../ports/access-store.js";
import { IdentityProviderError, type IdentityProvider, type PendingSignIn } from "../ports/identity-provider.js";
import { mapClaims, reportMapping, type CompiledClaimMapping, type MappingReport } from "./claims.js";
import { SECRET_LENGTH, sha256, type AccessContext, type Origin } from "./context.js";
import { safeReturnTo } from "./return-to.js";
import type { Sessions } from "./sessions.js";

const SIGN_IN_MINUTES = 10;

export interface SignedIn {
  readonly sessionId: string;
  readonly csrfToken: string;
  readonly returnTo: string;
  readonly user: UserRecord;
}

export interface SignIn {
  /** Starts a sign-in; the returned key goes in a short-lived cookie that binds it to this browser. */
  beginSignIn(providerId: string, redirectUri: string, returnTo: unknown): Promise<{ url: string; key: string }>;
  /**
   * Completes a sign-in. The pending sign-in is taken once (a replayed callback finds
   * nothing), must belong to the provider whose callback this is (mix-up), and a new
   * session id is made (never one the browser had before: no fixation).
   */
  completeSignIn(providerId: string, key: string | undefined, callbackUrl: URL, origin: Origin): Promise<SignedIn>;
}

export interface SignInDeps {
  readonly providers: ReadonlyMap<string, IdentityProvider>;
  readonly claims: CompiledClaimMapping;
  /** A provider's own mapping, where its claims differ from the others' (by provider id). */
  readonly claimsByProvider?: ReadonlyMap<string, CompiledClaimMapping>;
  readonly sessions: Pick<Sessions, "open">;
}

export function createSignIn(context: AccessContext, deps: SignInDeps): SignIn {
  const { store, random, logger, now, iso, later, audit } = context;

  function provider(id: string): IdentityProvider {
    const found = deps.providers.get(id);
    if (!found) throw new NotFoundError("identity provider", id);
    return found;
  }

  return {
    async beginSignIn(providerId, redirectUri, returnTo) {
      let begun;
      try {
        begun = await provider(providerId).begin(redirectUri);
      } catch (error) {
        if (error instanceof IdentityProviderError)
          logger.warn({ provider: providerId, failure: error.failure, error: error.errorCode, reason: error.message }, "sign-in could not start");
        throw error;
      }
      const { url, pending } = begun;
      const key = random.secret(SECRET_LENGTH);
      await store.putOnce("sign-in", sha256(key), JSON.stringify({ pending, returnTo: safeReturnTo(returnTo) }), later(SIGN_IN_MINUTES * 60_000));
      return { url, key };
    },

    async completeSignIn(providerId, key, callbackUrl, origin) {
      const fail = async (reason: string, error: Error, report?: MappingReport): Promise<never> => {
        // The log too, not only the audit log: an operator looking at why people cannot sign in reads the log.
        if (error instanceof IdentityProviderError)
          logger.warn(
            { provider: providerId, failure: error.failure, error: error.errorCode, reason, ip: origin.ip },
            "sign-in failed at the identity provider",
          );
        else logger.warn({ provider: providerId, reason, ip: origin.ip, ...(report ? { claims: report.received } : {}) }, "sign-in refused");
        await audit({ actor: null, action: "sign-in", target: providerId, outcome: "failure", project: null, labs: [], ip: origin.ip, detail: reason });
        throw error;
      };
      const stored = key ? await store.takeOnce("sign-in", sha256(key), iso(now())) : undefined;
      if (!stored)
        return fail(
          "no pending sign-in",
          new NotAllowedError("sign-in refused: no pending sign-in in this browser (expired, already used, or started elsewhere); start again"),
        );
      const { pending, returnTo } = JSON.parse(stored) as { pending: PendingSignIn; returnTo: string };
      if (pending.provider !== providerId)
        return fail("provider mismatch", new NotAllowedError("sign-in refused: the answer came from another provider than the one asked"));
      let identity;
      try {
        identity = await provider(providerId).complete(pending, callbackUrl);
      } catch (error) {
        return fail((error as Error).message, error as Error);
      }
      const mapping = deps.claimsByProvider?.get(providerId) ?? deps.claims;
      // Names only, never values: which claims came, and what of the mapping they left empty
      // (groups released only under a scope that was not asked for leave people without a lab).
      const report = reportMapping(identity.claims, mapping);
      let mapped;
      try {
        mapped = mapClaims(identity.claims, mapping);
      } catch (error) {
        return fail((error as Error).message, new NotAllowedError(`sign-in refused: ${(error as Error).message}`), report);
      }
      logger.info(
        { provider: providerId, login: mapped.login, claims: report.received, empty: report.empty, labs: mapped.labs.length },
        "sign-in: claims received",
      );
      const user = await store.upsertUser(
        {
          issuer: identity.issuer,
          subject: identity.subject,
          login: mapped.login,
          name: mapped.name,
          email: mapped.email ?? "",
          groups: mapped.groups,
          labs: mapped.labs,
          labAdminOf: mapped.labAdminOf,
          // By login, only if the store gives this person that login: someone else asking for an
          // operator's login (another provider, another domain: `oscar@elsewhere`) gets `oscar-2`.
          operator: mapped.operatorByGroup,
          operatorLogins: [...mapping.operators.logins],
        },
        iso(now()),
      );
      const { sessionId, csrfToken } = await deps.sessions.open(user, providerId, identity.idToken);
      await audit({ actor: user.login, action: "sign-in", target: providerId, outcome: "success", project: null, labs: user.labs, ip: origin.ip, detail: "" });
      return { sessionId, csrfToken, returnTo, user };
    },
  };
}
