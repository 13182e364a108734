// Who is asking, as the authorization layer sees it: a signed-in person (through a browser
// session or an API token) or nobody.
import type { Requester } from "../identity.js";
import type { UserIdentity } from "../ports/access-store.js";

/** A signed-in person: what sign-in learnt of them (groups are usable as project members), and how they came. */
export interface UserPrincipal extends Pick<UserIdentity, "login" | "name" | "groups" | "labs" | "labAdminOf" | "operator"> {
  readonly kind: "user";
  readonly userId: string;
  readonly via: "session" | "token";
  /** What a token may do; a session may do all the user may. */
  readonly scope: TokenScope;
}

export interface TokenScope {
  /** The projects a token is limited to; null for all of the user's projects. */
  readonly projects: readonly string[] | null;
  /** False for read-only tokens. */
  readonly write: boolean;
}

export const FULL_SCOPE: TokenScope = { projects: null, write: true };

export interface AnonymousPrincipal {
  readonly kind: "anonymous";
}

export type Principal = UserPrincipal | AnonymousPrincipal;

export const ANONYMOUS: AnonymousPrincipal = { kind: "anonymous" };

/**
 * The author of a commit made for this person. The desired-state repository is public: it
 * holds logins only, never names or e-mail addresses (see docs/tenancy.md).
 */
export const requesterOf = (principal: UserPrincipal): Requester => ({
  login: principal.login,
  name: principal.login,
  email: `${principal.login}@users.plateau.invalid`,
});
