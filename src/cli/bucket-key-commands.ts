// `plateau buckets credentials` and `plateau buckets rotate-key` (ADR 0030): a person's temporary
// key pair, printed once in the form their S3 client reads (shell variables, an AWS CLI profile,
// an rclone remote, an `mc alias`), and the rotation of a project's key. What the server answers
// is written only through the proper quoting, and refused by the INI formats when it holds
// anything but what such values are made of: no line of a printed configuration can be forged
// by a bucket's or an endpoint's name.
import type { Command } from "commander";
import { bucketNameIssue } from "../contracts/bucket-names.js";
import type { BucketList, RotateKeyResult, TemporaryCredentials } from "../contracts/buckets.js";
import { nameIssue } from "../contracts/names.js";
import { InputError } from "../core/errors.js";
import type { Client } from "./client.js";
import { utc, type Output } from "./format.js";

export const CREDENTIAL_FORMATS = ["env", "aws", "rclone", "mc", "json"] as const;
export type CredentialFormat = (typeof CREDENTIAL_FORMATS)[number];

interface Context {
  readonly out: Output;
  readonly client: () => Client;
  readonly json: (value: unknown) => void;
}

/** `demo/data` → its project and bucket, each checked by its own rules (an InputError otherwise). */
export function parseBucketRef(ref: string): { project: string; bucket: string } {
  const slash = ref.indexOf("/");
  if (slash < 0) throw InputError.field("/bucket", "format", `"${ref}" is not <project>/<bucket>`);
  const project = ref.slice(0, slash);
  const bucket = ref.slice(slash + 1);
  const issue = nameIssue("/project", project) ?? bucketNameIssue("/bucket", bucket);
  if (issue) throw InputError.field(issue.pointer, issue.rule, issue.message);
  return { project, bucket };
}

/** A POSIX shell word that is exactly `value`, whatever it holds (single quotes; a quote closed, escaped, reopened). */
export const shellQuote = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`;

const KEY = /^[A-Za-z0-9/+=_-]{1,256}$/;
const REGION = /^[A-Za-z0-9_-]{1,64}$/;

/** The values as INI files (AWS, rclone) may hold them: they have no quoting, so anything else is refused. */
function checkedForIni(credentials: TemporaryCredentials): TemporaryCredentials {
  const refuse = (what: string) => {
    throw new Error(`the server answered a ${what} that cannot be written safely in a configuration file; use --format json`);
  };
  if (!KEY.test(credentials.accessKeyId) || !KEY.test(credentials.secretAccessKey)) refuse("key");
  if (!REGION.test(credentials.region)) refuse("region");
  let url: URL;
  try {
    url = new URL(credentials.endpoint);
  } catch {
    return refuse("endpoint");
  }
  // eslint-disable-next-line no-control-regex -- control characters are what is refused here
  if ((url.protocol !== "https:" && url.protocol !== "http:") || /[\s\u0000-\u001f\u007f;#[\]"'\\]/.test(credentials.endpoint)) refuse("endpoint");
  return credentials;
}

/** The credentials as the chosen client reads them; `name` names the profile, remote or alias (`plateau-<project>`). */
export function credentialLines(credentials: TemporaryCredentials, format: CredentialFormat, name: string): string[] {
  if (nameIssue("/name", name.replace(/^plateau-/, ""))) throw new Error(`"${name}" cannot name a profile`);
  switch (format) {
    case "json":
      return [JSON.stringify(credentials, null, 2)];
    case "env":
      return [
        `# expires ${utc(credentials.expiresAt)}`,
        `export AWS_ACCESS_KEY_ID=${shellQuote(credentials.accessKeyId)}`,
        `export AWS_SECRET_ACCESS_KEY=${shellQuote(credentials.secretAccessKey)}`,
        `export AWS_ENDPOINT_URL=${shellQuote(credentials.endpoint)}`,
        `export AWS_DEFAULT_REGION=${shellQuote(credentials.region)}`,
      ];
    case "mc":
      return [
        `mc alias set ${shellQuote(name)} ${shellQuote(credentials.endpoint)} ${shellQuote(credentials.accessKeyId)} ${shellQuote(credentials.secretAccessKey)} --api S3v4 --path ${credentials.pathStyle ? "on" : "auto"}`,
      ];
    case "aws": {
      const c = checkedForIni(credentials);
      return [
        `# ~/.aws/credentials (expires ${utc(c.expiresAt)})`,
        `[${name}]`,
        `aws_access_key_id = ${c.accessKeyId}`,
        `aws_secret_access_key = ${c.secretAccessKey}`,
        "",
        "# ~/.aws/config",
        `[profile ${name}]`,
        `region = ${c.region}`,
        `endpoint_url = ${c.endpoint}`,
        "s3 =",
        `  addressing_style = ${c.pathStyle ? "path" : "auto"}`,
      ];
    }
    case "rclone": {
      const c = checkedForIni(credentials);
      return [
        `# rclone.conf (expires ${utc(c.expiresAt)})`,
        `[${name}]`,
        "type = s3",
        "provider = Ceph",
        `access_key_id = ${c.accessKeyId}`,
        `secret_access_key = ${c.secretAccessKey}`,
        `endpoint = ${c.endpoint}`,
        `region = ${c.region}`,
        `force_path_style = ${c.pathStyle ? "true" : "false"}`,
      ];
    }
  }
}

export function registerBucketKeyCommands(buckets: Command, context: Context): void {
  const { out, client, json } = context;

  buckets
    .command("credentials")
    .argument("<project/bucket>", "a bucket of a project you may write to")
    .description("A key pair for your own use on the bucket's platform (every bucket of the project there), shown once and revoked when it expires")
    .option("--hours <hours>", "how long it works, 1 to 168 (default 12)")
    .option("--format <format>", `how to print it: ${CREDENTIAL_FORMATS.join(", ")}`, "env")
    .addHelpText(
      "after",
      `
Plateau keeps no copy of the secret: print it again and you get a new pair. Buckets on a
noobaa platform have their keys in the cluster only (the Secret named like the bucket).

Examples:
  eval "$(plateau buckets credentials demo/data)" && aws s3 ls s3://data
  plateau buckets credentials demo/data --format rclone >> ~/.config/rclone/rclone.conf
  plateau buckets credentials demo/data --hours 2 --format mc | sh`,
    )
    .action(async (target: string, options: { hours?: string; format: string }) => {
      const { project, bucket } = parseBucketRef(target);
      if (!(CREDENTIAL_FORMATS as readonly string[]).includes(options.format)) {
        throw InputError.field("/format", "enum", `must be one of ${CREDENTIAL_FORMATS.join(", ")}`);
      }
      const hours = options.hours === undefined ? undefined : Number(options.hours);
      if (hours !== undefined && (!Number.isInteger(hours) || hours < 1 || hours > 168)) {
        throw InputError.field("/hours", "range", "must be a whole number of hours from 1 to 168");
      }
      const credentials = await client().call<TemporaryCredentials>(
        "POST",
        `/projects/${encodeURIComponent(project)}/buckets/${encodeURIComponent(bucket)}/credentials`,
        hours === undefined ? {} : { hours },
      );
      for (const line of credentialLines(credentials, options.format as CredentialFormat, `plateau-${project}`)) out.line(line);
    });

  buckets
    .command("rotate-key")
    .argument("<project>", "a project you own (or its lab's admins, operators)")
    .description("A new key for the project: the instances that use the old one get the new one and restart, then the old one is revoked")
    .option("--platform <platform>", "the platform whose key (default: the one platform of the project's buckets)")
    .option("--json", "print JSON")
    .action(async (project: string, options: { platform?: string; json?: boolean }) => {
      const issue = nameIssue("/project", project);
      if (issue) throw InputError.field(issue.pointer, issue.rule, issue.message);
      let platform = options.platform;
      if (platform === undefined) {
        const list = await client().call<BucketList>("GET", `/projects/${encodeURIComponent(project)}/buckets`);
        const platforms = [...new Set(list.items.filter((b) => b.provider === "rgw-admin").map((b) => b.platform))].sort();
        if (platforms.length !== 1) {
          throw InputError.field(
            "/platform",
            "required",
            platforms.length === 0
              ? `project ${project} has no bucket whose key Plateau keeps: give --platform`
              : `give --platform: one of ${platforms.join(", ")}`,
          );
        }
        platform = platforms[0] as string;
      }
      const result = await client().call<RotateKeyResult>("POST", `/projects/${encodeURIComponent(project)}/s3/${encodeURIComponent(platform)}/rotate-key`);
      if (options.json) return json(result);
      out.line(`Project ${project}'s key on ${result.platform} is now ${result.accessKeyId}; every other key of the project there is revoked.`);
      out.line(result.restarted.length > 0 ? `Restarted on the new key: ${result.restarted.join(", ")}.` : "No running instance used the old key.");
    });
}
