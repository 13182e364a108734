// The member and quota edits the portal prepares, checked before a round trip. Who may do
// what is the server's to say (src/core/access/policy.ts): a project's view carries the
// caller's role and what they may do (`role`, `may`), and the pages show controls by it.
import type { Member, Project, Quota } from "../../../contracts/api.js";
import { brokenNameRule, isReservedProjectName, NAME_MAX_LENGTH, type NameRule } from "../../../contracts/names.js";

export type Role = Member["role"];
export const ROLES: readonly Role[] = ["owner", "editor", "viewer"];

export const memberKey = (member: Member): string => ("login" in member ? `login:${member.login}` : `group:${member.group}`);

// The contract's patterns for members (contracts/api.ts Member).
const LOGIN = /^[a-z0-9][-a-z0-9._]*$/;
const GROUP = /^\S+$/;

export type MemberProblem = "empty" | "login" | "group" | "duplicate";

/** A member from the add form, or why it cannot be added to `members`. */
export function newMember(members: readonly Member[], kind: "login" | "group", who: string, role: Role): Member | { problem: MemberProblem } {
  const name = who.trim();
  if (name === "") return { problem: "empty" };
  let member: Member;
  if (kind === "login") {
    if (!LOGIN.test(name) || name.length > 64) return { problem: "login" };
    member = { login: name, role };
  } else {
    // `group:x`, as the CLI writes it, means the group x.
    const group = name.startsWith("group:") ? name.slice("group:".length) : name;
    if (!GROUP.test(group) || group.length > 200) return { problem: "group" };
    member = { group, role };
  }
  return members.some((m) => memberKey(m) === memberKey(member)) ? { problem: "duplicate" } : member;
}

export const withRole = (members: readonly Member[], key: string, role: Role): Member[] =>
  members.map((member) => (memberKey(member) === key ? { ...member, role } : member));

export const without = (members: readonly Member[], key: string): Member[] => members.filter((member) => memberKey(member) !== key);

/** Whether two member lists say the same thing, whatever their order (the server sorts them). */
export function sameMembers(a: readonly Member[], b: readonly Member[]): boolean {
  const text = (members: readonly Member[]) =>
    members
      .map((m) => `${memberKey(m)}=${m.role}`)
      .sort()
      .join("\n");
  return text(a) === text(b);
}

/** The server refuses a project without an owner: say so before sending. */
export const lacksOwner = (members: readonly Member[]): boolean => !members.some((member) => member.role === "owner");

/**
 * Whether saving `draft` takes away the owner role the person holds by their login entry
 * alone: the server says the role they keep without that entry (`roleWithoutLoginEntry`).
 */
export function losesOwnership(login: string, project: Pick<Project, "role" | "roleWithoutLoginEntry">, draft: readonly Member[]): boolean {
  if (project.role !== "owner" || project.roleWithoutLoginEntry === "owner") return false;
  return !draft.some((member) => "login" in member && member.login === login && member.role === "owner");
}

/** Names of lab projects, by the server's rule (contracts/names.ts; core/projects/names.ts adds the `u-` prefix). */
export type NameProblem = NameRule | "reserved" | "personal-prefix";
export { NAME_MAX_LENGTH };
export function projectNameProblem(name: string): NameProblem | undefined {
  const broken = brokenNameRule(name);
  if (broken) return broken;
  if (isReservedProjectName(name)) return "reserved";
  if (name.startsWith("u-")) return "personal-prefix";
  return undefined;
}

export const RESOURCES = ["cpu", "memoryGiB", "gpu", "instances", "storageGiB"] as const;
export type Resource = (typeof RESOURCES)[number];
export type QuotaFields = Record<Resource, string>;
export type QuotaProblem = "number" | "integer" | "range";

// The contract's bounds (contracts/api.ts Quota); gpu and instances are whole numbers.
const BOUNDS: Record<Resource, { max: number; integer: boolean }> = {
  cpu: { max: 100_000, integer: false },
  memoryGiB: { max: 1_000_000, integer: false },
  gpu: { max: 10_000, integer: true },
  instances: { max: 100_000, integer: true },
  storageGiB: { max: 10_000_000, integer: false },
};

/** The quota a project's file sets, as form fields; empty means "the default". */
export function quotaFields(quota: Quota): QuotaFields {
  const field = (value: number | undefined) => (value === undefined ? "" : String(value));
  return {
    cpu: field(quota.cpu),
    memoryGiB: field(quota.memoryGiB),
    gpu: field(quota.gpu),
    instances: field(quota.instances),
    storageGiB: field(quota.storageGiB),
  };
}

/** The form's quota (empty fields left out: the default applies), or what is wrong per field. */
export function parseQuotaFields(fields: QuotaFields): { quota: Quota; problems: Partial<Record<Resource, QuotaProblem>> } {
  const quota: Quota = {};
  const problems: Partial<Record<Resource, QuotaProblem>> = {};
  for (const resource of RESOURCES) {
    const text = fields[resource].trim().replace(",", ".");
    if (text === "") continue;
    const value = Number(text);
    const bounds = BOUNDS[resource];
    if (!Number.isFinite(value)) problems[resource] = "number";
    else if (bounds.integer && !Number.isInteger(value)) problems[resource] = "integer";
    else if (value < 0 || value > bounds.max) problems[resource] = "range";
    else quota[resource] = value;
  }
  return { quota, problems };
}

export const quotaMaximum = (resource: Resource): number => BOUNDS[resource].max;
