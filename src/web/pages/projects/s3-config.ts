// The configurations people paste into their S3 clients (aws, mc, rclone) for a bucket and a
// key pair, and the command that reads a NooBaa bucket's keys in its namespace. Every value comes
// from the API, but none is trusted to be harmless: names become [a-z0-9-] identifiers, shell
// words are single-quoted, and a value that a configuration file cannot hold on one line (an
// endpoint that is not an http(s) URL, a key or region with spaces or control characters) makes
// the builder refuse rather than write text that means something else.

export interface S3Access {
  readonly bucket: string;
  readonly endpoint: string;
  readonly region: string;
  readonly pathStyle: boolean;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export type S3ClientName = "aws" | "mc" | "rclone";
export const S3_CLIENTS: readonly S3ClientName[] = ["aws", "mc", "rclone"];

/** One client's configuration: the file(s) to write, where, and the commands (one shell line each) that set it up and list the bucket. */
export interface S3ClientConfig {
  readonly client: S3ClientName;
  readonly files: readonly { readonly path: string; readonly text: string }[];
  readonly commands: readonly string[];
}

/** Which value cannot be written safely, when one cannot. */
export type S3ConfigProblem = "endpoint" | "region" | "keys";

/** A word the shell reads as itself: plain when it is only safe characters, single-quoted otherwise. */
export function shellWord(value: string): string {
  if (value !== "" && /^[A-Za-z0-9_./:@%+=,-]+$/.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** A name usable as an INI section, a profile, an mc alias or an rclone remote: lowercase letters, digits and '-'. */
export function identifier(name: string, fallback = "plateau"): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/, "");
  return cleaned || fallback;
}

/** The endpoint as a URL a configuration file holds on one line, or undefined when it is not http(s). */
export function endpointUrl(endpoint: string): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  if (url.username || url.password) return undefined;
  // The URL parser percent-encodes spaces and controls in the path; the host may hold none.
  const href = url.href.replace(/\/$/, "");
  return /^[\x21-\x7e]+$/.test(href) ? href : undefined;
}

// Access keys and secrets are base64-like (AWS: letters, digits, '/', '+'); Ceph's are alphanumeric.
const KEY = /^[A-Za-z0-9+/=._~-]{1,256}$/;
// A region or Ceph zone group: one word.
const REGION = /^[A-Za-z0-9_.-]{1,64}$/;

/** The values checked and normalized, or the first that cannot be written safely. */
export function checkedAccess(access: S3Access): { access: S3Access & { bucket: string } } | { problem: S3ConfigProblem } {
  const endpoint = endpointUrl(access.endpoint);
  if (!endpoint) return { problem: "endpoint" };
  if (!REGION.test(access.region)) return { problem: "region" };
  if (!KEY.test(access.accessKeyId) || !KEY.test(access.secretAccessKey)) return { problem: "keys" };
  return { access: { ...access, endpoint } };
}

/** `~/.aws/credentials` and `~/.aws/config` for a profile named after the bucket, and the listing command. */
export function awsConfig(access: S3Access): S3ClientConfig {
  const profile = identifier(access.bucket);
  const credentials = [`[${profile}]`, `aws_access_key_id = ${access.accessKeyId}`, `aws_secret_access_key = ${access.secretAccessKey}`, ""].join("\n");
  const config = [
    `[profile ${profile}]`,
    `region = ${access.region}`,
    `endpoint_url = ${access.endpoint}`,
    "s3 =",
    `  addressing_style = ${access.pathStyle ? "path" : "virtual"}`,
    "",
  ].join("\n");
  return {
    client: "aws",
    files: [
      { path: "~/.aws/credentials", text: credentials },
      { path: "~/.aws/config", text: config },
    ],
    commands: [`aws --profile ${shellWord(profile)} --endpoint-url ${shellWord(access.endpoint)} s3 ls ${shellWord(`s3://${access.bucket}`)}`],
  };
}

/** MinIO's client: one alias, then the bucket under it. */
export function mcConfig(access: S3Access): S3ClientConfig {
  const alias = identifier(access.bucket);
  const set = ["mc alias set", shellWord(alias), shellWord(access.endpoint), shellWord(access.accessKeyId), shellWord(access.secretAccessKey)];
  set.push("--api S3v4", `--path ${access.pathStyle ? "on" : "off"}`);
  return { client: "mc", files: [], commands: [set.join(" "), `mc ls ${shellWord(`${alias}/${access.bucket}`)}`] };
}

/** An rclone remote of type s3 (Ceph's flavour), then the bucket under it. */
export function rcloneConfig(access: S3Access): S3ClientConfig {
  const remote = identifier(access.bucket);
  const text = [
    `[${remote}]`,
    "type = s3",
    "provider = Ceph",
    `access_key_id = ${access.accessKeyId}`,
    `secret_access_key = ${access.secretAccessKey}`,
    `endpoint = ${access.endpoint}`,
    `region = ${access.region}`,
    `force_path_style = ${access.pathStyle ? "true" : "false"}`,
    "",
  ].join("\n");
  return { client: "rclone", files: [{ path: "~/.config/rclone/rclone.conf", text }], commands: [`rclone ls ${shellWord(`${remote}:${access.bucket}`)}`] };
}

/** The three clients' configurations, or which value cannot be written safely. */
export function s3ClientConfigs(access: S3Access): { configs: readonly S3ClientConfig[] } | { problem: S3ConfigProblem } {
  const checked = checkedAccess(access);
  if ("problem" in checked) return checked;
  return { configs: [awsConfig(checked.access), mcConfig(checked.access), rcloneConfig(checked.access)] };
}

/** A NooBaa bucket's keys stay in its namespace: the Secret of the bucket's name, read with oc. */
export const noobaaKeysCommand = (project: string, bucket: string): string => `oc extract ${shellWord(`secret/${bucket}`)} -n ${shellWord(project)} --to=-`;
