// An instance attached to a bucket, for real (ADR 0031): launched on the local platform's real
// podman engine with a bucket of a real Ceph RGW, it gets the injected variables and writes an
// object with them (curl signs the request with the injected keys, AWS SigV4), which the test
// then reads with the project's key, made by the real rgw-admin adapter. No key is committed.
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { createServer, connect, type Server } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { credentialLines } from "../../src/cli/bucket-key-commands.js";
import { hostAddress } from "../../src/main/local-s3.js";
import { createS3Client } from "../../src/adapters/s3/client.js";
import { createRgwAdminStorage } from "../../src/adapters/s3/rgw-admin.js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createPodmanEngine } from "../../src/adapters/podman/podman-engine.js";
import { createStaticCatalog } from "../../src/adapters/catalog/file-catalog.js";
import { run } from "../../src/adapters/process.js";
import { checkTemplate } from "../../src/core/catalog/template.js";
import { readProjectKey } from "../../src/core/buckets/key-store.js";
import { API_VERSION, parsePlatform, serialize, type BucketDocument } from "../../src/core/model.js";
import { silentLogger } from "../../src/core/ports/logger.js";
import { bucketPath, platformPath } from "../../src/core/repository/layout.js";
import { startCephRgw, type CephRgwStart } from "../support/ceph-rgw.js";
import { everythingCommitted } from "../support/committed.js";
import { builtInTemplates, memoryPlateau } from "../support/plateau.js";
import { cleanPodmanProject, podmanUnavailable } from "../support/podman.js";

const exec = promisify(execFile);
const PROJECT = "s3attach";
const S3_CLIENT_IMAGE = "localhost/plateau-test-s3-client:1";

/** busybox and curl (with the libraries it links), as a non-root image: curl signs S3 requests itself (`--aws-sigv4`). */
async function buildS3ClientImage(): Promise<string | undefined> {
  if ((await run("podman", ["image", "exists", S3_CLIENT_IMAGE])).code === 0) return undefined;
  const dir = await mkdtemp(join(tmpdir(), "plateau-s3-image-"));
  try {
    const root = join(dir, "rootfs");
    await mkdir(join(root, "bin"), { recursive: true });
    await cp("/bin/busybox", join(root, "bin", "busybox"));
    for (const tool of ["sh", "httpd", "echo", "env", "grep", "sort", "cat"]) await symlink("busybox", join(root, "bin", tool));
    const { stdout } = await exec("ldd", ["/usr/bin/curl"]);
    const libraries = stdout
      .split("\n")
      .map((line) => /(\/\S+) \(0x/.exec(line)?.[1])
      .filter((path): path is string => path !== undefined);
    for (const path of ["/usr/bin/curl", ...libraries]) {
      await mkdir(join(root, dirname(path)), { recursive: true });
      await cp(path, join(root, path), { dereference: true });
    }
    const tar = await run("tar", ["-C", root, "-cf", join(dir, "image.tar"), "."]);
    if (tar.code !== 0) return `tar failed: ${tar.stderr}`;
    const imported = await run("podman", ["import", "--change", "USER 1000", join(dir, "image.tar"), S3_CLIENT_IMAGE]);
    return imported.code === 0 ? undefined : `podman import failed: ${imported.stderr.trim()}`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * What the instance runs: its S3 variables (no key) written to an object of its bucket, signed
 * with the injected keys (curl 7.88 signs no payload hash by itself: RGW wants the header).
 */
const SCRIPT = [
  "env | grep '^AWS_' | grep -v KEY | sort > /tmp/env.txt",
  'curl -sS --fail --aws-sigv4 "aws:amz:$AWS_DEFAULT_REGION:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -T /tmp/env.txt "$AWS_ENDPOINT_URL/$AWS_S3_BUCKET/from-instance.txt" && echo uploaded',
  "exec /bin/httpd -f -p 8080 -h /tmp",
].join("; ");

const probeTemplate = () =>
  checkTemplate(
    {
      id: "s3-probe",
      version: "1.0.0",
      title: { en: "S3 probe", fr: "Sonde S3" },
      description: { en: "Writes to its bucket", fr: "Écrit dans son bucket" },
      category: "notebooks",
      sizes: { small: { main: { cpu: "50m", memory: "64Mi" } } },
      s3: {},
      components: [
        {
          name: "main",
          image: S3_CLIENT_IMAGE,
          command: ["/bin/sh", "-c", SCRIPT],
          ports: [{ name: "http", port: 8080 }],
          expose: { port: "http" },
          security: { readOnlyRootFilesystem: true },
          volumes: [{ name: "tmp", scratch: {} }],
          mounts: [{ volume: "tmp", mountPath: "/tmp" }],
        },
      ],
    },
    {
      type: "object",
      additionalProperties: false,
      properties: { size: { type: "string", title: "t", description: "d", enum: ["small"], default: "small" } },
    },
    "test/s3-probe",
  );

/** Forwards TCP from the host's address to the RGW on loopback (the script binds it there only). */
async function forward(host: string, target: URL): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    const upstream = connect(Number(target.port), target.hostname);
    socket.pipe(upstream).pipe(socket);
    const end = () => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on("error", end);
    upstream.on("error", end);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const address = server.address();
  return { server, port: typeof address === "object" && address ? address.port : 0 };
}

const unavailable = (await podmanUnavailable()) ?? (await buildS3ClientImage());
const host = hostAddress();
if (!host && process.env.PLATEAU_REQUIRE_PODMAN === "1")
  throw new Error("podman is required, and this host has no non-loopback IPv4 address its pods reach it at");
let rgw: CephRgwStart = { skipped: "not started" };
let forwarded: { server: Server; port: number } | undefined;
let runtimeDir = "";

beforeAll(async () => {
  if (unavailable || !host) return;
  rgw = await startCephRgw({ memstoreBytes: 256 * 1024 * 1024 });
  if ("skipped" in rgw) return;
  forwarded = await forward(host, new URL(rgw.endpoint));
  runtimeDir = await mkdtemp(join(tmpdir(), "plateau-podman-"));
  await cleanPodmanProject(PROJECT);
}, 120_000);

afterAll(async () => {
  await cleanPodmanProject(PROJECT).catch(() => undefined);
  forwarded?.server.close();
  if (!("skipped" in rgw)) await rgw.stop();
  if (runtimeDir) await rm(runtimeDir, { recursive: true, force: true });
});

describe.skipIf(unavailable !== undefined || host === undefined)("an instance attached to a bucket of a real RGW, run by podman", () => {
  it("gets the injected variables and writes an object with them, which the project's key reads", async (context) => {
    if ("skipped" in rgw) return context.skip(rgw.skipped);
    const server = rgw;
    const endpoint = `http://${host}:${forwarded?.port ?? 0}`;
    // The real rgw-admin adapter: clients (the instance, this test) reach the gateway through the forward, its admin API on loopback.
    const storage = createRgwAdminStorage({
      endpoint: { url: endpoint, region: server.region, pathStyle: true },
      adminURL: server.endpoint,
      accessKeyId: server.accessKeyId,
      secretAccessKey: server.secretAccessKey,
      userPrefix: "plateau-",
    });
    // The bucket, as the buckets' reconciler makes it (owned by the project's user).
    await storage.ensureBucket({ name: "survey-podman", project: PROJECT, quota: { bytes: 1 << 30 }, versioning: false });

    const engine = createPodmanEngine({ runtimeDir, installation: "s3inject1", stopTimeoutSeconds: 0, startupTimeoutMs: 60_000, logger: silentLogger });
    const { plateau, repo, reconciler, adapters } = await memoryPlateau({
      engines: new Map([["podman", engine]]),
      catalog: createStaticCatalog([...(await builtInTemplates()), probeTemplate()]),
      objectStorages: { storageFor: async (platform) => (platform === "local" ? storage : undefined) },
    });
    try {
      const alice = { login: "alice", name: "alice", email: "alice@users.plateau.invalid" };
      await plateau.services.projects.create({ name: PROJECT, lab: "imb", title: "S3" }, alice);
      // The local platform offers rgw-admin; the bucket, as the buckets' service commits it.
      const head = await repo.head();
      const local = parsePlatform((await repo.readFile(head ?? "", platformPath("local"))) ?? "", "local");
      const bucket: BucketDocument = {
        apiVersion: API_VERSION,
        kind: "Bucket",
        metadata: { name: "survey-podman", project: PROJECT, createdAt: "2026-12-01T09:00:00.000Z", createdBy: "alice" },
        spec: { quota: { sizeGiB: 1 } },
        placement: { platform: "local", reason: "test" },
      };
      await repo.commit({
        parent: head,
        author: { name: "oscar", email: "oscar@example.org" },
        message: "S3 on the local platform, and a bucket",
        trailers: {},
        changes: [
          { path: platformPath("local"), content: serialize({ ...local, spec: { ...local.spec, s3: { provider: "rgw-admin" } } }) },
          { path: bucketPath(PROJECT, "survey-podman"), content: serialize(bucket) },
        ],
      });
      await plateau.refresh();

      await plateau.services.instances.launch({ template: "s3-probe", project: PROJECT, name: "probe", bucket: "survey-podman" }, alice);
      await reconciler.reconcileOnce();
      // The key the reconciler made and handed over is the project's, kept by Plateau, and the provider's.
      const key = await readProjectKey(adapters.secrets, "local", PROJECT);
      if (!key) throw new Error("no key kept for the project");
      expect(await storage.keys(PROJECT)).toContain(key.accessKeyId);
      const s3 = createS3Client({ endpoint: server.endpoint, region: server.region, credentials: key });

      const written = await vi.waitFor(
        async () => {
          const object = await s3.send(new GetObjectCommand({ Bucket: "survey-podman", Key: "from-instance.txt" }));
          return (await object.Body?.transformToString()) ?? "";
        },
        { timeout: 60_000, interval: 500 },
      );
      expect(written.split("\n").filter(Boolean)).toEqual([
        `AWS_DEFAULT_REGION=${server.region}`,
        `AWS_ENDPOINT_URL=${endpoint}`,
        `AWS_S3_BUCKET=survey-podman`,
        `AWS_S3_ENDPOINT=${host}:${forwarded?.port ?? 0}`,
        "AWS_S3_PATH_STYLE=true",
      ]);
      // The owner reads it with the credentials `plateau buckets credentials --format env` prints for them.
      const keys = plateau.services.bucketKeys;
      if (!keys) throw new Error("no bucket keys service");
      const printed = credentialLines(await keys.temporaryCredentials(PROJECT, "survey-podman", "alice", 1), "env", "survey-podman");
      const exported = new Map(
        printed
          .filter((line) => line.startsWith("export "))
          .map((line) => {
            const [name, quoted] = line.slice("export ".length).split(/=(.*)/s) as [string, string];
            return [name, quoted.replace(/^'(.*)'$/s, "$1").replaceAll(`'\\''`, "'")];
          }),
      );
      const owner = createS3Client({
        endpoint: exported.get("AWS_ENDPOINT_URL") ?? "",
        region: exported.get("AWS_DEFAULT_REGION") ?? "",
        credentials: { accessKeyId: exported.get("AWS_ACCESS_KEY_ID") ?? "", secretAccessKey: exported.get("AWS_SECRET_ACCESS_KEY") ?? "" },
      });
      const read = await owner.send(new GetObjectCommand({ Bucket: "survey-podman", Key: "from-instance.txt" }));
      expect(await read.Body?.transformToString()).toBe(written);
      owner.destroy();
      const committed = await everythingCommitted(repo);
      expect(committed).not.toContain(key.secretAccessKey);
      expect(committed).not.toContain(key.accessKeyId);
      expect(committed).not.toContain(exported.get("AWS_SECRET_ACCESS_KEY"));
      s3.destroy();
    } finally {
      await plateau.stop();
    }
  }, 180_000);
});
