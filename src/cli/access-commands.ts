// Commands about who you are and what you may use: login, logout, whoami, tokens, quota,
// members, labs and the audit log.
import { hostname } from "node:os";
import type { Command } from "commander";
import { CommanderError } from "commander";
import type { Static } from "typebox";
import type { Member, QuotaReport } from "../contracts/api.js";
import type { Client } from "./client.js";
import { saveCredential } from "./credentials.js";
import { EXIT } from "./exit-codes.js";
import { paint, printable, table, type Output } from "./format.js";
import { login } from "./login.js";

interface Context {
  readonly out: Output;
  readonly env: NodeJS.ProcessEnv;
  readonly client: () => Client;
  readonly server: () => string;
  readonly json: (value: unknown) => void;
  readonly projectOrPersonal: (project: string | undefined) => Promise<string>;
}

const ROLES = ["owner", "editor", "viewer"] as const;
type Role = (typeof ROLES)[number];

/** `alice` or `group:lab:imb` → the member's key. */
function memberKey(who: string): { login: string } | { group: string } {
  return who.startsWith("group:") ? { group: who.slice("group:".length) } : { login: who };
}
const sameMember = (member: Static<typeof Member>, key: { login: string } | { group: string }) =>
  "login" in key ? "login" in member && member.login === key.login : "group" in member && member.group === key.group;

const RESOURCE_LABELS: [keyof QuotaReport["project"]["quota"], string, string][] = [
  ["cpu", "CPU", "cores"],
  ["memoryGiB", "memory", "GiB"],
  ["gpu", "GPU", ""],
  ["instances", "instances", ""],
  ["storageGiB", "storage", "GiB"],
];

function bar(used: number, limit: number, width = 20): string {
  const ratio = limit <= 0 ? (used > 0 ? 1 : 0) : Math.min(1, used / limit);
  const filled = Math.round(ratio * width);
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
}

export function registerAccessCommands(program: Command, context: Context): void {
  const { out, env, client, server, json } = context;

  program
    .command("login")
    .description("Sign in with your institutional account in a browser; the CLI gets an API token for this server")
    .option("--no-browser", "only print the address to open")
    .option("--timeout <seconds>", "give up after this long", (value) => Number(value), 300)
    .addHelpText("after", "\nThe token is kept in ~/.config/plateau/credentials.json (or $PLATEAU_CREDENTIALS), readable by you only.")
    .action(async (options: { browser: boolean; timeout: number }) => {
      const result = await login(client(), {
        name: `plateau CLI on ${hostname()}`,
        openBrowser: options.browser,
        timeoutSeconds: options.timeout,
        say: (line) => out.line(line),
      });
      const file = await saveCredential(env, server(), { token: result.token, tokenId: result.id, login: result.login, expiresAt: result.expiresAt });
      out.line(`${paint(out, "green", "✓")} signed in to ${server()} as ${result.login} (token kept in ${file}, valid until ${result.expiresAt.slice(0, 10)})`);
    });

  program
    .command("logout")
    .description("Revoke the token `plateau login` saved for this server, and forget it")
    .action(async () => {
      const { loadCredential } = await import("./credentials.js");
      const saved = await loadCredential(env, server());
      if (!saved) return out.line("not signed in to this server");
      if (saved.tokenId)
        await client()
          .revokeToken(saved.tokenId)
          .catch(() => undefined);
      await saveCredential(env, server(), undefined);
      out.line(`${paint(out, "green", "✓")} signed out of ${server()}`);
    });

  program
    .command("whoami")
    .description("Who you are signed in as: your labs, your personal project")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }) => {
      const me = await client().me();
      if (options.json) return json(me);
      out.line(`${me.login} (${me.name})`);
      out.line(`  labs              ${me.labs.join(", ") || "none"}`);
      if (me.labAdminOf.length > 0) out.line(`  lab admin of      ${me.labAdminOf.join(", ")}`);
      if (me.operator) out.line("  platform operator");
      out.line(`  personal project  ${me.personalProject}`);
    });

  const tokens = program.command("tokens").description("Your API tokens, for scripts (PLATEAU_TOKEN or Authorization: Bearer)");
  tokens.option("--json", "print JSON").action(async (options: { json?: boolean }) => {
    const items = await client().tokens();
    if (options.json) return json(items);
    const rows = items.map((t) => [
      t.id.slice(0, 8),
      t.name,
      t.prefix,
      t.projects?.join(",") ?? "all",
      t.write ? "read-write" : "read-only",
      t.revokedAt ? "revoked" : t.expiresAt.slice(0, 10),
      t.lastUsedAt?.slice(0, 10) ?? "never",
    ]);
    for (const line of table(["ID", "NAME", "TOKEN", "PROJECTS", "ACCESS", "EXPIRES", "LAST USED"], rows)) out.line(line);
  });
  tokens
    .command("create")
    .argument("<name>", "what it is for (e.g. ci-pipeline)")
    .option("--project <project>", "limit it to this project (repeatable)", (value: string, previous: string[]) => [...previous, value], [])
    .option("--read-only", "it may read but change nothing")
    .option("--days <days>", "days until it expires (default 90)", (value) => Number(value))
    .description("Create a token; it is printed once, keep it safe")
    .action(async (name: string, options: { project: string[]; readOnly?: boolean; days?: number }) => {
      const created = await client().createToken({
        name,
        ...(options.project.length > 0 ? { projects: options.project } : {}),
        write: !options.readOnly,
        ...(options.days !== undefined ? { expiresInDays: options.days } : {}),
      });
      out.line(created.token);
      out.error(
        `token ${created.record.id} (${created.record.write ? "read-write" : "read-only"}, ${created.record.projects?.join(",") ?? "all your projects"}) expires ${created.record.expiresAt.slice(0, 10)}; it will not be shown again`,
      );
    });
  tokens
    .command("revoke")
    .argument("<id>", "the token's id (or its first characters, from plateau tokens)")
    .description("Revoke a token: it stops working at once")
    .action(async (id: string) => {
      const api = client();
      const matches = (await api.tokens()).filter((t) => t.id.startsWith(id) && !t.revokedAt);
      if (matches.length !== 1)
        throw new CommanderError(
          EXIT.input,
          "plateau.input",
          matches.length === 0 ? `no active token ${id}` : `${id} matches several tokens; give more characters`,
        );
      await api.revokeToken((matches[0] as { id: string }).id);
      out.line(`${paint(out, "green", "✓")} revoked ${id}`);
    });

  program
    .command("quota")
    .argument("[project]", "the project (default: your personal project)")
    .description("Usage against quota, for a project and its lab")
    .option("--json", "print JSON")
    .action(async (project: string | undefined, options: { json?: boolean }) => {
      const report = await client().quota(await context.projectOrPersonal(project));
      if (options.json) return json(report);
      const section = (title: string, use: QuotaReport["project"]) => {
        out.line(paint(out, "bold", title));
        const rows = RESOURCE_LABELS.map(([key, label, unit]) => [
          label,
          `${use.used[key]} / ${use.quota[key]}${unit ? ` ${unit}` : ""}`,
          bar(use.used[key], use.quota[key]),
        ]);
        for (const line of table(["RESOURCE", "USED / QUOTA", ""], rows)) out.line(`  ${line}`);
      };
      section(`project ${report.project.name}`, report.project);
      if (report.lab) section(`lab ${report.lab.name} (${report.lab.projects} of ${report.lab.projectLimit} projects)`, report.lab);
    });

  const members = program.command("members").description("Members of a project and their roles (owner, editor, viewer)");
  members
    .argument("[project]", "the project (default: your personal project)")
    .option("--json", "print JSON")
    .action(async (project: string | undefined, options: { json?: boolean }) => {
      const found = await client().project(await context.projectOrPersonal(project));
      if (options.json) return json(found.members);
      if (found.personal) out.line(`${found.name} is ${found.personal}'s personal project`);
      const rows = found.members.map((m) => ["login" in m ? m.login : `group:${m.group}`, m.role]);
      for (const line of table(["MEMBER", "ROLE"], rows)) out.line(line);
    });
  members
    .command("add")
    .argument("<project>", "the project")
    .argument("<who>", "a login, or group:<OIDC group>")
    .option("--role <role>", "owner, editor or viewer", "editor")
    .description("Add a member, or change their role (one commit)")
    .action(async (project: string, who: string, options: { role: string }) => {
      if (!ROLES.includes(options.role as Role)) throw new CommanderError(EXIT.input, "plateau.input", `--role must be one of ${ROLES.join(", ")}`);
      const api = client();
      const key = memberKey(who);
      const current = (await api.project(project)).members.filter((m) => !sameMember(m, key));
      const result = await api.setMembers(project, [...current, { ...key, role: options.role as Role } as Static<typeof Member>]);
      out.line(
        `${paint(out, "green", "✓")} ${who} is ${options.role} of ${project}${result.commit ? ` (commit ${result.commit.slice(0, 7)})` : " (no change)"}`,
      );
    });
  members
    .command("remove")
    .argument("<project>", "the project")
    .argument("<who>", "a login, or group:<OIDC group>")
    .description("Remove a member (one commit)")
    .action(async (project: string, who: string) => {
      const api = client();
      const key = memberKey(who);
      const current = (await api.project(project)).members;
      if (!current.some((m) => sameMember(m, key))) throw new CommanderError(EXIT.notFound, "plateau.input", `${who} is not a member of ${project}`);
      const result = await api.setMembers(
        project,
        current.filter((m) => !sameMember(m, key)),
      );
      out.line(`${paint(out, "green", "✓")} removed ${who} from ${project}${result.commit ? ` (commit ${result.commit.slice(0, 7)})` : ""}`);
    });

  program
    .command("labs")
    .argument("[lab]", "one lab")
    .description("Your labs: their projects, quota and usage")
    .option("--json", "print JSON")
    .action(async (lab: string | undefined, options: { json?: boolean }) => {
      const api = client();
      const labs = lab ? [await api.lab(lab)] : await api.labs();
      if (options.json) return json(labs);
      const rows = labs.map((l) => [
        l.name,
        `${l.projects.length}/${l.projectLimit}`,
        `${l.used.cpu}/${l.quota.cpu}`,
        `${l.used.memoryGiB}/${l.quota.memoryGiB}`,
        `${l.used.gpu}/${l.quota.gpu}`,
        `${l.used.instances}/${l.quota.instances}`,
        l.projects.join(", "),
      ]);
      for (const line of table(["LAB", "PROJECTS", "CPU", "MEMORY GiB", "GPU", "INSTANCES", "NAMES"], rows)) out.line(line);
    });

  program
    .command("audit")
    .description("The audit log, newest first: sign-ins, denied accesses, changes (operators; lab admins for their labs)")
    .option("--limit <n>", "how many entries", (value) => Number(value), 50)
    .option("--json", "print JSON")
    .action(async (options: { limit: number; json?: boolean }) => {
      const entries = await client().audit(options.limit);
      if (options.json) return json(entries);
      // Who, what and the detail come from whoever asked: shown, never obeyed by the terminal.
      const rows = entries.map((e) => [e.at.replace("T", " ").slice(0, 19), e.actor ?? "-", e.outcome, e.action, e.target, e.ip, e.detail].map(printable));
      for (const line of table(["WHEN (UTC)", "WHO", "OUTCOME", "WHAT", "TARGET", "FROM", "DETAIL"], rows)) out.line(line);
    });
}
