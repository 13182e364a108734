// The local S3 server `plateau up` runs, on real Ceph daemons: made at the first start, its
// objects kept across a stop and a start, daemons left by a Plateau that was killed found by
// their configuration and replaced (never two of each), and all of them ended at stop.
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cephInstalled, daemonsOf, startCephRgwProcess, type CephRgwProcess } from "../../src/adapters/s3/ceph-rgw-process.js";
import { freeLoopbackPort } from "../../src/adapters/net.js";
import { silentLogger, type Logger } from "../../src/core/ports/logger.js";
import { cephRequired } from "../support/ceph-rgw.js";

const installed = cephInstalled();
if (!installed && cephRequired())
  throw new Error("PLATEAU_REQUIRE_CEPH=1 but Ceph is not installed (apt-get install --no-install-recommends ceph-mon ceph-osd radosgw ceph-common)");

const handles: CephRgwProcess[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const handle of handles) await handle.stop();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const s3Of = (started: NonNullable<Awaited<CephRgwProcess["started"]>>) =>
  new S3Client({
    endpoint: started.endpoint.url,
    region: started.endpoint.region,
    forcePathStyle: true,
    credentials: { ...started.admin },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });

const recording = (lines: string[]): Logger => ({
  info: (_fields, message) => lines.push(message),
  warn: (fields, message) => lines.push(`warn: ${message} ${JSON.stringify(fields)}`),
  error: (fields, message) => lines.push(`error: ${message} ${JSON.stringify(fields)}`),
  debug: () => undefined,
});

describe.skipIf(!installed)("the local S3 server (Ceph RGW, kept under the data directory)", () => {
  it("is made at the first start, keeps its objects across a restart, replaces what a killed Plateau left, and stops them all", async () => {
    const dir = await mkdtemp(join(tmpdir(), "plateau-local-s3-"));
    dirs.push(dir);
    const port = await freeLoopbackPort();
    const start = (logger: Logger = silentLogger) => {
      const handle = startCephRgwProcess({ dir: join(dir, "s3"), port, sizeBytes: 4 * 2 ** 30, logger });
      handles.push(handle);
      return handle;
    };

    // First start: made, S3 answers with the admin keys, three daemons.
    const lines: string[] = [];
    const first = start(recording(lines));
    const made = await first.started;
    expect(made, lines.join("\n")).toBeDefined();
    if (!made) return;
    expect(lines).toContain("making the local S3 server (first start, about 10 s)");
    expect(made.endpoint).toEqual({ url: `http://127.0.0.1:${port}`, region: "us-east-1", pathStyle: true });
    const s3 = s3Of(made);
    await s3.send(new CreateBucketCommand({ Bucket: "kept" }));
    await s3.send(new PutObjectCommand({ Bucket: "kept", Key: "a/b.txt", Body: "survives a restart" }));
    expect((await daemonsOf(first.conf)).map((found) => found.daemon).sort()).toEqual(["mon", "osd", "rgw"]);
    // The admin keys are private to this user, the OSD's file sparse.
    expect((await stat(join(dir, "s3", "state.json"))).mode & 0o077).toBe(0);
    expect(await readFile(join(dir, "s3", "log", "setup.log"), "utf8")).not.toContain(made.admin.secretAccessKey);
    await first.stop();
    expect(await daemonsOf(first.conf)).toEqual([]);

    // Started again: the same keys, the object is there.
    const againLines: string[] = [];
    const again = await start(recording(againLines)).started;
    expect(again?.admin, againLines.join("\n")).toEqual(made.admin);
    const read = await s3Of(made).send(new GetObjectCommand({ Bucket: "kept", Key: "a/b.txt" }));
    expect(await read.Body?.transformToString()).toBe("survives a restart");
    // A Plateau killed with -9 leaves its daemons (forgotten here); the next start replaces them.
    const before = (await daemonsOf(first.conf)).map((found) => found.pid);
    const replacingLines: string[] = [];
    const replacing = start(recording(replacingLines));
    const replaced = await replacing.started;
    expect(replaced, replacingLines.join("\n")).toBeDefined();
    expect(replacingLines.some((line) => line.includes("left by an earlier Plateau"))).toBe(true);
    const after = await daemonsOf(replacing.conf);
    expect(after.map((found) => found.daemon).sort()).toEqual(["mon", "osd", "rgw"]);
    expect(after.some((found) => before.includes(found.pid))).toBe(false);
    const reread = await s3Of(made).send(new GetObjectCommand({ Bucket: "kept", Key: "a/b.txt" }));
    expect(await reread.Body?.transformToString()).toBe("survives a restart");
    await replacing.stop();
    expect(await daemonsOf(replacing.conf)).toEqual([]);
  }, 180_000);

  it("does not start on a port something else holds, and says so (S3 would be the other server's)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "plateau-local-s3-"));
    dirs.push(dir);
    const other = createServer();
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    const address = other.address();
    const port = typeof address === "object" && address ? address.port : 0;
    try {
      const lines: string[] = [];
      const handle = startCephRgwProcess({ dir: join(dir, "s3"), port, sizeBytes: 4 * 2 ** 30, logger: recording(lines) });
      handles.push(handle);
      expect(await handle.started).toBeUndefined();
      expect(lines.join("\n")).toContain(`127.0.0.1:${port} is already taken (localS3.port sets another)`);
      expect(await daemonsOf(handle.conf)).toEqual([]);
    } finally {
      other.close();
    }
  });
});
