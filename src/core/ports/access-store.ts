// What sign-in needs to remember: people, their sessions, their API tokens, one-time
// secrets (pending sign-ins, CLI codes, proxy tickets) and the audit log. None of it is
// desired state: it lives in the database only. Secrets are stored as hashes.

export interface UserIdentity {
  /** Users are keyed by (issuer, subject), never by e-mail. */
  readonly issuer: string;
  readonly subject: string;
  /** The login the claims ask for; the store makes it unique. */
  readonly login: string;
  readonly name: string;
  readonly email: string;
  readonly groups: readonly string[];
  readonly labs: readonly string[];
  readonly labAdminOf: readonly string[];
  readonly operator: boolean;
  /**
   * Logins that make their user an operator too (`operators.logins`), checked against the
   * login the store gives: another person asking for `oscar` gets `oscar-2`, and is not one.
   */
  readonly operatorLogins?: readonly string[];
}

export interface UserRecord extends Omit<UserIdentity, "operatorLogins"> {
  readonly id: string;
  readonly createdAt: string;
  readonly lastSignInAt: string;
}

export interface SessionRecord {
  /** SHA-256 of the cookie's value: a copy of the database gives no session away. */
  readonly idHash: string;
  readonly userId: string;
  /** Sent back by the browser with every change (synchronizer token). */
  readonly csrfToken: string;
  readonly provider: string;
  /** For RP-initiated logout (`id_token_hint`). */
  readonly idToken: string | null;
  readonly createdAt: string;
  readonly lastSeenAt: string;
  /** The absolute timeout: the session ends then, however active. */
  readonly expiresAt: string;
  /** For a session on an instance's host (the proxy's): the browser session it lives and dies with. */
  readonly parentHash: string | null;
  /**
   * The kind of session, by where it is accepted. null: a browser session of Plateau itself
   * (its pages and API), the only kind the API accepts. A host (`hello.demo.localhost:8080`):
   * a session opened by a proxy ticket, accepted by the proxy on that exact host only (its
   * parentHash is set). The two never stand in for each other (ADR 0012).
   */
  readonly instanceHost: string | null;
}

export interface TokenRecord {
  readonly id: string;
  readonly userId: string;
  readonly name: string;
  /** SHA-256 of the token. */
  readonly hash: string;
  /** The first characters of the token, to recognise it in a list. */
  readonly prefix: string;
  readonly projects: readonly string[] | null;
  readonly write: boolean;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

export type AuditOutcome = "success" | "denied" | "failure";

export interface AuditEntry {
  readonly at: string;
  /** The login of who acted; null when nobody was signed in. */
  readonly actor: string | null;
  /** e.g. `sign-in`, `launch`, `stop`, `token.create`, `GET /api/v1/projects/:project`. */
  readonly action: string;
  /** What it was done to (`demo/hello`, a token id, a provider). */
  readonly target: string;
  readonly outcome: AuditOutcome;
  readonly project: string | null;
  /** The labs concerned (the project's, or the actor's for sign-ins): lab admins read these. */
  readonly labs: readonly string[];
  /** The client's address. */
  readonly ip: string;
  readonly detail: string;
}

export interface AuditRecord extends AuditEntry {
  readonly id: number;
}

export type OneTimeKind = "sign-in" | "cli-code" | "proxy-ticket";

export interface AccessStore {
  /** Creates or updates the user of (issuer, subject); a login already taken by another user gets a suffix. */
  upsertUser(identity: UserIdentity, now: string): Promise<UserRecord>;
  getUser(id: string): Promise<UserRecord | undefined>;
  /** The users of these logins (those who never signed in are absent): whom notices reach by e-mail, and in which language. */
  usersByLogin(logins: readonly string[]): Promise<UserRecord[]>;

  createSession(session: SessionRecord): Promise<void>;
  getSession(idHash: string): Promise<SessionRecord | undefined>;
  touchSession(idHash: string, lastSeenAt: string): Promise<void>;
  deleteSession(idHash: string): Promise<void>;

  /** Keeps a secret payload that `takeOnce` returns at most once, before `expiresAt`. */
  putOnce(kind: OneTimeKind, keyHash: string, payload: string, expiresAt: string): Promise<void>;
  takeOnce(kind: OneTimeKind, keyHash: string, now: string): Promise<string | undefined>;

  createToken(token: TokenRecord): Promise<void>;
  listTokens(userId: string): Promise<TokenRecord[]>;
  findToken(hash: string): Promise<TokenRecord | undefined>;
  /** True when the token existed, belonged to the user and was not yet revoked. */
  revokeToken(userId: string, id: string, at: string): Promise<boolean>;
  touchToken(id: string, at: string): Promise<void>;

  appendAudit(entry: AuditEntry): Promise<void>;
  /** Newest first; `labs` null for every entry, otherwise the entries concerning one of these labs. */
  listAudit(query: { labs: readonly string[] | null; limit: number; before?: number }): Promise<AuditRecord[]>;

  /** Forgets expired sessions and one-time secrets. */
  purgeExpired(now: string): Promise<void>;
}
