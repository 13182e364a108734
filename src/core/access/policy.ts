// The authorization rules, as pure functions: who may do what to which project, lab or
// record. Every route of the server asks here (src/server/access.ts); nothing else decides.
//
// Roles on a project, highest first: owner (manages members and quota), editor (launches,
// stops, removes), viewer (reads). A lab admin is owner of every project of the lab; a
// platform operator is owner everywhere. A project the principal has no role on does not
// exist for them (404), so project names do not leak; a role too low is a 403.
import { createHash } from "node:crypto";
import type { ProjectAbility } from "../../contracts/codes.js";
import type { Member, ProjectRole } from "../model.js";
import { isValidName, NAME_MAX_LENGTH } from "../names.js";
import type { Principal, UserPrincipal } from "./principal.js";

export interface ProjectFacts {
  readonly name: string;
  readonly lab: string | null;
  /** The owner's login, for a personal project. */
  readonly personal: string | null;
  readonly members: readonly Member[];
}

export type ProjectAction = "read" | "write" | "admin";

export type Decision = { readonly allowed: true } | { readonly allowed: false; readonly status: 401 | 403 | 404; readonly reason: string };

const ALLOW: Decision = { allowed: true };
const deny = (status: 401 | 403 | 404, reason: string): Decision => ({ allowed: false, status, reason });
export const SIGN_IN_REQUIRED = deny(401, "sign in first");

const RANK: Record<ProjectRole, number> = { viewer: 1, editor: 2, owner: 3 };
const NEEDED: Record<ProjectAction, ProjectRole> = { read: "viewer", write: "editor", admin: "owner" };

const higher = (a: ProjectRole | null, b: ProjectRole | null): ProjectRole | null => (a === null ? b : b === null ? a : RANK[a] >= RANK[b] ? a : b);

/** The principal's role on a project, from every source; null when none. */
export function projectRole(principal: UserPrincipal, project: ProjectFacts): ProjectRole | null {
  if (principal.operator) return "owner";
  if (project.personal !== null && project.personal === principal.login) return "owner";
  if (project.lab !== null && principal.labAdminOf.includes(project.lab)) return "owner";
  let role: ProjectRole | null = null;
  for (const member of project.members) {
    const matches = "login" in member ? member.login === principal.login : principal.groups.includes(member.group);
    if (matches) role = higher(role, member.role);
  }
  return role;
}

/** The tail of a personal project name made with a hash: two hyphens and 8 characters of base32. */
const HASHED = /--[a-z2-7]{8}$/;
const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/**
 * The personal project of a login, one per login and never another's (ADR 7):
 * - `u-<login>` when that is a project name (a DNS label of at most 30 characters), as it
 *   always was: `u-alice`, `u-jean-dupont`;
 * - otherwise — the login has `.` or `_`, is longer than 28 characters, or ends like a hashed
 *   name — `u-<readable>--<hash>`: the login with runs of other characters than a-z 0-9 made
 *   one `-`, cut to 18 characters, then `--` and 8 base32 characters of the login's SHA-256
 *   (`jean.dupont` → `u-jean-dupont--<8>`, `jean_dupont` → `u-jean-dupont--<8 others>`).
 * The two forms never meet: a name of the first form never ends like the second. Two logins
 * share a name of the second form only if their SHA-256 share 40 bits and their readable
 * parts are equal; even then access follows the project's `personal` login, never its name.
 */
export function personalProjectName(login: string): string {
  const plain = `u-${login}`;
  if (isValidName(plain) && !HASHED.test(login)) return plain;
  const readable = login
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+/, "")
    .slice(0, NAME_MAX_LENGTH - "u---".length - 8)
    .replace(/-+$/, "");
  return `u-${readable}--${base32(createHash("sha256").update(login).digest().subarray(0, 5))}`;
}

/** 5 bytes → 8 characters of RFC 4648's base32 alphabet, lower-cased. */
function base32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

function tokenAllows(principal: UserPrincipal, project: string, action: ProjectAction | "create"): Decision | undefined {
  if (principal.scope.projects !== null && !principal.scope.projects.includes(project)) return deny(404, "the token is not valid for this project");
  if (action !== "read" && !principal.scope.write) return deny(403, "the token is read-only");
  return undefined;
}

/**
 * May the principal act on this project? `project` is undefined when it does not exist:
 * the only project one may write to before it exists is one's personal project (it is
 * created by its first launch).
 */
export function authorizeProject(principal: Principal, name: string, project: ProjectFacts | undefined, action: ProjectAction): Decision {
  if (principal.kind === "anonymous") return SIGN_IN_REQUIRED;
  const scoped = tokenAllows(principal, name, action);
  if (scoped) return scoped;
  if (!project) {
    if (principal.operator && action === "read") return ALLOW; // the service answers 404 itself
    if (action === "write" && name === personalProjectName(principal.login)) return ALLOW;
    return deny(404, "no such project");
  }
  const role = projectRole(principal, project);
  if (role === null) return deny(404, "no such project");
  if (RANK[role] < RANK[NEEDED[action]]) return deny(403, `this needs the ${NEEDED[action]} role on project ${name}; you are ${role}`);
  return ALLOW;
}

/** The caller's role on a project and what they may do to it, as a project's view says them. */
export interface ProjectAccess {
  readonly role: ProjectRole | null;
  /**
   * The role the caller holds without their own login entry among the members (through a
   * group, lab administration, being an operator or the personal project's owner): a client
   * warns before a change of the members takes their owner role away.
   */
  readonly roleWithoutLoginEntry: ProjectRole | null;
  readonly may: Readonly<Record<ProjectAbility, boolean>>;
}

/**
 * What the principal may do to a project: the very rules the routes ask (authorizeProject,
 * authorizeProjectQuota), so that clients show the controls that will work and decide nothing.
 * A personal project has one member, its owner: its members are not managed.
 */
export function projectAccess(principal: Principal, project: ProjectFacts): ProjectAccess {
  const allowed = (action: ProjectAction) => authorizeProject(principal, project.name, project, action).allowed;
  const user = principal.kind === "user" ? principal : undefined;
  const others = user ? project.members.filter((member) => !("login" in member && member.login === user.login)) : [];
  return {
    role: user ? projectRole(user, project) : null,
    roleWithoutLoginEntry: user ? projectRole(user, { ...project, members: others }) : null,
    may: {
      read: allowed("read"),
      launch: allowed("write"),
      manageMembers: project.personal === null && allowed("admin"),
      setQuota: authorizeProjectQuota(principal, project.name, project).allowed,
      setTiers: authorizeProjectOperator(principal, project.name, project).allowed,
    },
  };
}

/** Creating a lab project: lab members (and operators); within the lab's limit, checked at commit. */
export function authorizeProjectCreation(principal: Principal, lab: string): Decision {
  if (principal.kind === "anonymous") return SIGN_IN_REQUIRED;
  if (principal.scope.projects !== null) return deny(403, "a token limited to projects cannot create projects");
  if (!principal.scope.write) return deny(403, "the token is read-only");
  if (principal.operator || principal.labs.includes(lab) || principal.labAdminOf.includes(lab)) return ALLOW;
  return deny(403, `only members of lab ${lab} may create its projects`);
}

/**
 * Setting a project's quota: an admin of its lab (for a lab project) or an operator, with a
 * token that may write. Like every project rule, a project one cannot see does not exist.
 */
export function authorizeProjectQuota(principal: Principal, name: string, project: ProjectFacts | undefined): Decision {
  const visible = authorizeProject(principal, name, project, "read");
  if (!visible.allowed || principal.kind === "anonymous") return visible;
  if (!project) return deny(404, "no such project");
  if (!principal.scope.write) return deny(403, "the token is read-only");
  if (principal.operator || (project.lab !== null && principal.labAdminOf.includes(project.lab))) return ALLOW;
  return deny(403, project.lab ? `this needs to be an admin of lab ${project.lab}` : "this is for platform operators");
}

/**
 * A project's settings that are the platforms' to give (its tiers: which platforms it may run
 * on): operators only, with a token that may write. Like every project rule, a project one
 * cannot see does not exist (404); one seen without being an operator is a 403.
 */
export function authorizeProjectOperator(principal: Principal, name: string, project: ProjectFacts | undefined): Decision {
  const visible = authorizeProject(principal, name, project, "read");
  if (!visible.allowed || principal.kind === "anonymous") return visible;
  if (!project) return deny(404, "no such project");
  if (!principal.scope.write) return deny(403, "the token is read-only");
  return principal.operator ? ALLOW : deny(403, "this is for platform operators");
}

export type LabAction = "read" | "admin";

export function authorizeLab(principal: Principal, lab: string, action: LabAction): Decision {
  if (principal.kind === "anonymous") return SIGN_IN_REQUIRED;
  if (principal.scope.projects !== null) return deny(403, "a token limited to projects cannot read labs");
  if (principal.operator || principal.labAdminOf.includes(lab)) return ALLOW;
  if (action === "read" && principal.labs.includes(lab)) return ALLOW;
  return action === "read" ? deny(404, "no such lab") : deny(403, `this needs to be an admin of lab ${lab}`);
}

/** Which labs' audit records the principal may read: all (null), some, or none (denied). */
export function auditScope(principal: Principal): { allowed: true; labs: readonly string[] | null } | Decision {
  if (principal.kind === "anonymous") return SIGN_IN_REQUIRED;
  if (principal.scope.projects !== null) return deny(403, "a token limited to projects cannot read the audit log");
  if (principal.operator) return { allowed: true, labs: null };
  if (principal.labAdminOf.length > 0) return { allowed: true, labs: principal.labAdminOf };
  return deny(403, "the audit log is for platform operators and lab admins");
}

/** Operator-only things: the whole repository's history, every user. */
export function authorizeOperator(principal: Principal): Decision {
  if (principal.kind === "anonymous") return SIGN_IN_REQUIRED;
  if (principal.scope.projects !== null) return deny(403, "a token limited to projects cannot do this");
  return principal.operator ? ALLOW : deny(403, "this is for platform operators");
}

/** Anything a signed-in person may read (platforms, their own profile). */
export function authorizeSignedIn(principal: Principal): Decision {
  return principal.kind === "anonymous" ? SIGN_IN_REQUIRED : ALLOW;
}

/** Managing one's API tokens: from a browser session, or a token that is neither limited nor read-only. */
export function authorizeTokenManagement(principal: Principal): Decision {
  if (principal.kind === "anonymous") return SIGN_IN_REQUIRED;
  if (principal.via === "token" && (principal.scope.projects !== null || !principal.scope.write)) {
    return deny(403, "only a session or an unrestricted token may manage tokens");
  }
  return ALLOW;
}
