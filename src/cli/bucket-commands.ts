// Buckets (ADR 0030): `plateau buckets ls|create|rm|usage`. A bucket is desired state: created
// and removed with one commit each; its provider makes it next. Keys are never shown here
// (`plateau buckets credentials` gives one's own, for a while).
import { createInterface } from "node:readline/promises";
import { CommanderError, type Command } from "commander";
import { bucketNameIssue } from "../contracts/bucket-names.js";
import type { BucketChange, BucketCreateBody, BucketList, BucketView } from "../contracts/buckets.js";
import type { Client } from "./client.js";
import { EXIT } from "./exit-codes.js";
import { paint, table, type Output } from "./format.js";

export interface BucketCommandsContext {
  readonly out: Output;
  readonly client: () => Client;
  readonly json: (value: unknown) => void;
  /** Asks a yes/no question on the terminal (absent: on stdin when it is a terminal, refused otherwise). */
  readonly confirm?: (question: string) => Promise<boolean>;
}

const inputError = (message: string) => new CommanderError(EXIT.input, "plateau.input", message);

/** `<project>/<bucket>`, both checked: the bucket's name by S3's rules, said before any request. */
export function parseBucketRef(text: string): { project: string; bucket: string } {
  const [project, bucket, ...rest] = text.split("/");
  if (!project || !bucket || rest.length > 0) throw inputError(`expected <project>/<bucket>, got "${text}"`);
  const issue = bucketNameIssue("/bucket", bucket);
  if (issue) throw inputError(`the bucket name ${issue.message}`);
  return { project, bucket };
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"] as const;
/** Bytes for people: `1.5 GiB`. */
export function humanBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${UNITS[unit]}`;
}

const GIB_PER: Record<string, number> = { Mi: 1 / 1024, Gi: 1, Ti: 1024, M: 1e6 / 2 ** 30, G: 1e9 / 2 ** 30, T: 1e12 / 2 ** 30 };
/** `--size 10Gi` (or Mi, Ti, G, T) in GiB. */
export function sizeInGiB(text: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)(Mi|Gi|Ti|M|G|T)$/.exec(text.trim());
  const value = match ? Number(match[1]) * (GIB_PER[match[2] ?? ""] ?? 0) : NaN;
  if (!(value > 0)) throw inputError(`--size must be a size such as 10Gi, 500Mi or 1Ti, got "${text}"`);
  return Math.round(value * 1e6) / 1e6;
}

const positive = (name: string, integer: boolean) => (value: string) => {
  const number = Number(value);
  if (!(number > 0) || (integer && !Number.isInteger(number))) throw inputError(`${name} must be a positive ${integer ? "whole " : ""}number, got "${value}"`);
  return number;
};

const percent = (used: number, of: number) => (of > 0 ? `${Math.round((100 * used) / of)} %` : "-");
const usageText = (view: BucketView) => (view.usage ? `${humanBytes(view.usage.bytes)}, ${view.usage.objects} objects` : "unknown");

export async function terminalConfirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) throw inputError(`${question} Not asked without a terminal: add --yes to confirm`);
  const reader = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^(y|yes|o|oui)$/i.test((await reader.question(`${question} [y/N] `)).trim());
  } finally {
    reader.close();
  }
}

/** Registers `plateau buckets …` and returns its command, to which more subcommands are added (credentials, rotate-key). */
export function registerBucketCommands(program: Command, context: BucketCommandsContext): Command {
  const { out, client, json } = context;
  const confirm = context.confirm ?? terminalConfirm;
  const path = (project: string, bucket?: string) =>
    `/projects/${encodeURIComponent(project)}/buckets${bucket === undefined ? "" : `/${encodeURIComponent(bucket)}`}`;
  const list = async (project: string) => (await client().call<BucketList>("GET", path(project))).items;

  const buckets = program
    .command("buckets")
    .description("S3 buckets of your projects: desired state in git, made by the platform's object storage")
    .addHelpText(
      "after",
      `
A bucket's name is its S3 name: 3 to 63 lowercase letters, digits and '-', unique among every
project's buckets. Its size quota counts against the project's and the lab's s3GiB quota.

Examples:
  plateau buckets ls demo
  plateau buckets create demo/demo-data --size 50Gi --versioning
  plateau buckets usage demo
  plateau buckets rm demo/demo-data`,
    );

  buckets
    .command("ls")
    .argument("<project>", "the project")
    .description("List a project's buckets: platform, quota, usage, status")
    .option("--json", "print JSON")
    .action(async (project: string, options: { json?: boolean }) => {
      const items = await list(project);
      if (options.json) return json(items);
      if (items.length === 0) return out.line(`${project} has no buckets (plateau buckets create ${project}/<name>).`);
      for (const line of table(
        ["BUCKET", "PLATFORM", "QUOTA", "USAGE", "STATUS", "REPLICA"],
        items.map((item) => [
          item.name,
          item.platform,
          `${item.quota.sizeGiB} GiB${item.quota.objects === null ? "" : `, ${item.quota.objects} objects`}`,
          usageText(item),
          item.status,
          item.replica ? `${item.replica.platform} (${item.replica.state})` : "",
        ]),
      ))
        out.line(line);
    });

  buckets
    .command("create")
    .argument("<project/bucket>", "the project and the bucket's S3 name")
    .description("Create a bucket (one commit); the platform's object storage makes it next")
    .option("--platform <platform>", "on this platform (default: Plateau chooses one with object storage, where the project runs the most)")
    .option("--size <size>", "its size quota, enforced by the server: 10Gi, 500Mi, 1Ti (default: the server's, 10Gi unless configured)", sizeInGiB)
    .option("--size-gib <gib>", "its size quota in GiB", positive("--size-gib", false))
    .option("--objects <n>", "the most objects it may hold (default: no limit)", positive("--objects", true))
    .option("--versioning", "keep every version of each object")
    .option("--expire-days <days>", "delete objects this many days after they were written", positive("--expire-days", true))
    .option("--replica <platform>", "replicate it to this platform, on another site")
    .option("--json", "print JSON")
    .action(
      async (
        target: string,
        options: {
          platform?: string;
          size?: number;
          sizeGib?: number;
          objects?: number;
          versioning?: boolean;
          expireDays?: number;
          replica?: string;
          json?: boolean;
        },
      ) => {
        const { project, bucket } = parseBucketRef(target);
        if (options.size !== undefined && options.sizeGib !== undefined) throw inputError("give --size or --size-gib, not both");
        const sizeGiB = options.size ?? options.sizeGib;
        const body: BucketCreateBody = {
          name: bucket,
          ...(options.platform ? { platform: options.platform } : {}),
          ...(sizeGiB !== undefined ? { sizeGiB } : {}),
          ...(options.objects !== undefined ? { objects: options.objects } : {}),
          ...(options.versioning ? { versioning: true } : {}),
          ...(options.expireDays !== undefined ? { expireDays: options.expireDays } : {}),
          ...(options.replica ? { replica: options.replica } : {}),
        };
        const change = await client().call<BucketChange>("POST", path(project), body);
        if (options.json) return json(change);
        const view = change.bucket;
        out.line(
          `${paint(out, "green", "✓")} bucket ${project}/${bucket} created on ${paint(out, "bold", view.platform)}${change.commit ? ` (commit ${change.commit.slice(0, 7)})` : ""}: ${view.placementReason}`,
        );
        out.line(
          `Quota: ${view.quota.sizeGiB} GiB${view.quota.objects === null ? "" : `, ${view.quota.objects} objects`}.${view.endpoint ? ` Endpoint: ${view.endpoint.url}` : ""}`,
        );
      },
    );

  buckets
    .command("rm")
    .argument("<project/bucket>", "the bucket")
    .description("Remove a bucket (one commit): the platform deletes it with EVERY object in it")
    .option("-y, --yes", "do not ask for confirmation")
    .option("--json", "print JSON")
    .action(async (target: string, options: { yes?: boolean; json?: boolean }) => {
      const { project, bucket } = parseBucketRef(target);
      if (!options.yes && !(await confirm(`Remove bucket ${project}/${bucket}? Its data is deleted with it, for good.`))) {
        return out.line("Nothing removed.");
      }
      const change = await client().call<BucketChange>("DELETE", path(project, bucket));
      if (options.json) return json(change);
      out.line(
        `${paint(out, "green", "✓")} bucket ${project}/${bucket} removed${change.commit ? ` (commit ${change.commit.slice(0, 7)})` : ""}: its data is deleted with it`,
      );
    });

  buckets
    .command("usage")
    .argument("<project[/bucket]>", "a project's buckets, or one of them")
    .description("What buckets hold as their provider counts it: bytes, objects, and the share of their quota")
    .option("--json", "print JSON")
    .action(async (target: string, options: { json?: boolean }) => {
      const items = target.includes("/")
        ? await (async () => {
            const { project, bucket } = parseBucketRef(target);
            return [await client().call<BucketView>("GET", path(project, bucket))];
          })()
        : await list(target);
      const rows = items.map((item) => ({
        name: `${item.project}/${item.name}`,
        bytes: item.usage?.bytes ?? null,
        objects: item.usage?.objects ?? null,
        quotaBytes: item.quota.sizeGiB * 2 ** 30,
        quotaObjects: item.quota.objects,
      }));
      if (options.json) return json(rows);
      if (rows.length === 0) return out.line(`${target} has no buckets.`);
      for (const line of table(
        ["BUCKET", "SIZE", "OF QUOTA", "OBJECTS", "OF QUOTA"],
        rows.map((row) => [
          row.name,
          row.bytes === null ? "unknown" : humanBytes(row.bytes),
          row.bytes === null ? "-" : `${percent(row.bytes, row.quotaBytes)} of ${humanBytes(row.quotaBytes)}`,
          row.objects === null ? "unknown" : String(row.objects),
          row.objects === null || row.quotaObjects === null ? "-" : `${percent(row.objects, row.quotaObjects)} of ${row.quotaObjects}`,
        ]),
      ))
        out.line(line);
      if (rows.some((row) => row.bytes === null)) out.line("Unknown: not made yet, on NooBaa (see the cluster), or the provider did not answer.");
    });

  return buckets;
}
