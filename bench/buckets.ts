// B16: buckets on demand on one real Ceph RGW (test/support/ceph-rgw.ts, memstore sized for the data).
// (a) The data path: 1 GiB (8 objects of 128 MiB, streamed from a 1 MiB pattern, 4 at a time)
//     uploaded then downloaded through a bucket Plateau made (the rgw-admin adapter's
//     ensureProjectKey and ensureBucket, as the buckets' reconciler runs them) with the key
//     Plateau hands over, vs the same transfers to a bucket made by hand with the admin tools
//     (`radosgw-admin user create`, then CreateBucket with that user's key). Plateau is not on
//     the data path: the ratio should be 1, what it measures is that Plateau's bucket settings
//     (policy, quota, versioning off) cost the server nothing.
// (b) Bucket creation: Plateau's path (the project's key made and kept, the bucket made with its
//     settings: owner-only policy, versioning, quota) vs the provider's own four calls alone
//     (admin API user create, key create, CreateBucket with that key, bucket quota set), signed by hand.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { promisify } from "node:util";
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { createMemoryStore } from "../src/adapters/memory/memory-store.js";
import { createS3Client } from "../src/adapters/s3/client.js";
import { createRgwAdminStorage } from "../src/adapters/s3/rgw-admin.js";
import { ensureProjectKey } from "../src/core/buckets/key-store.js";
import { startCephRgw, type CephRgwServer } from "../test/support/ceph-rgw.js";
import { median, ms, ratio, showSpread, spread, timed, type Row } from "./stats.js";

const execute = promisify(execFile);
const MIB = 1024 * 1024;
const OBJECTS = 8;
const OBJECT_BYTES = 128 * MIB;
const CONCURRENCY = 4;
const ROUNDS = Number(process.env.PLATEAU_BENCH_S3_ROUNDS ?? 3);
const CREATIONS = Number(process.env.PLATEAU_BENCH_S3_CREATIONS ?? 15);
const PLATFORM = "local";

/** `bytes` from a repeated pattern, in 1 MiB chunks: streamed, never held whole. */
const patternStream = (pattern: Buffer, bytes: number): Readable =>
  Readable.from(
    (function* () {
      for (let sent = 0; sent < bytes; sent += pattern.length) yield pattern.subarray(0, Math.min(pattern.length, bytes - sent));
    })(),
    // bytes, not objects: in object mode the SDK's request never ends
    { objectMode: false },
  );

async function inParallel<T>(items: readonly T[], work: (item: T) => Promise<unknown>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
    }),
  );
}

/** Upload then download of 1 GiB through one bucket with one key: the two durations in ms. */
const trace = (line: string) => process.env.PLATEAU_BENCH_TRACE && process.stderr.write(`${new Date().toISOString()} ${line}\n`);

async function transfers(s3: S3Client, bucket: string, pattern: Buffer, cephConf: string): Promise<{ upload: number; download: number }> {
  const keys = Array.from({ length: OBJECTS }, (_, n) => `part-${n}`);
  const upload = await timed(() =>
    inParallel(keys, async (key) => {
      trace(`put ${bucket}/${key}`);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: patternStream(pattern, OBJECT_BYTES), ContentLength: OBJECT_BYTES }));
      trace(`put ${bucket}/${key} done`);
    }),
  );
  let received = 0;
  const download = await timed(() =>
    inParallel(keys, async (key) => {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      for await (const chunk of object.Body as Readable) received += (chunk as Buffer).length;
    }),
  );
  if (received !== OBJECTS * OBJECT_BYTES) throw new Error(`B16: ${received} bytes came back from ${bucket}, not ${OBJECTS * OBJECT_BYTES}`);
  // The memstore holds what is stored: emptied for the next round.
  await inParallel(keys, (key) => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })));
  // RGW frees a removed object's data at its garbage collection, hours later by default: now, untimed.
  await execute("radosgw-admin", ["-c", cephConf, "gc", "process", "--include-all"]);
  return { upload, download };
}

/** The admin ops API and S3, each request signed by hand (SigV4) and sent with fetch: the provider's own calls. */
function handSigned(server: CephRgwServer) {
  const base = new URL(server.endpoint);
  const send = async (key: { accessKeyId: string; secretAccessKey: string }, method: string, path: string, query: Record<string, string>) => {
    const signer = new SignatureV4({ service: "s3", region: server.region, credentials: key, sha256: Hash.bind(null, "sha256"), uriEscapePath: false });
    const signed = await signer.sign({
      method,
      protocol: base.protocol,
      hostname: base.hostname,
      port: Number(base.port),
      path,
      query,
      headers: { host: base.host },
    });
    const url = new URL(path, base.origin);
    url.search = new URLSearchParams(query).toString();
    const response = await fetch(url, { method, headers: signed.headers });
    const text = await response.text();
    if (!response.ok) throw new Error(`B16 baseline: ${method} ${path}: HTTP ${response.status} ${text.slice(0, 200)}`);
    return text;
  };
  const admin = { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey };
  return async (uid: string, bucket: string): Promise<void> => {
    await send(admin, "PUT", "/admin/user", { uid, "display-name": uid, "generate-key": "false", format: "json" });
    const key = { accessKeyId: randomBytes(10).toString("hex").toUpperCase(), secretAccessKey: randomBytes(30).toString("base64url") };
    await send(admin, "PUT", "/admin/user", {
      key: "",
      uid,
      "key-type": "s3",
      "access-key": key.accessKeyId,
      "secret-key": key.secretAccessKey,
      format: "json",
    });
    await send(key, "PUT", `/${bucket}`, {});
    await send(admin, "PUT", "/admin/bucket", {
      quota: "",
      uid,
      bucket,
      "max-size-kb": String(1024 * 1024),
      "max-objects": "-1",
      enabled: "true",
      format: "json",
    });
  };
}

export async function benchBuckets(log: (line: string) => void): Promise<Row[]> {
  const started = await startCephRgw({ memstoreBytes: 3 * 1024 * MIB });
  if ("skipped" in started) {
    log(`  B16 skipped: ${started.skipped}`);
    return [];
  }
  try {
    const storage = createRgwAdminStorage({
      endpoint: { url: started.endpoint, region: started.region, pathStyle: true },
      accessKeyId: started.accessKeyId,
      secretAccessKey: started.secretAccessKey,
      userPrefix: "plateau-",
    });
    const { secrets } = createMemoryStore();
    const settings = (name: string, project: string) => ({ name, project, quota: { bytes: 2 * 1024 * MIB }, versioning: false });

    // (a) Plateau's bucket, as the reconciler makes it, with the key Plateau hands over; and one made by hand.
    trace("ensureBucket");
    await storage.ensureBucket(settings("b16-plateau", "b16"));
    trace("ensureProjectKey");
    const handedOver = await ensureProjectKey(storage, secrets, PLATFORM, "b16");
    const ours = createS3Client({ endpoint: started.endpoint, region: started.region, credentials: handedOver });
    const made = await execute("radosgw-admin", ["-c", started.cephConf, "user", "create", "--uid=b16-hand", "--display-name=b16 by hand"]);
    const handKey = (JSON.parse(made.stdout) as { keys: { access_key: string; secret_key: string }[] }).keys[0];
    if (!handKey) throw new Error("B16: radosgw-admin made a user without a key");
    const byHand = createS3Client({
      endpoint: started.endpoint,
      region: started.region,
      credentials: { accessKeyId: handKey.access_key, secretAccessKey: handKey.secret_key },
    });
    await byHand.send(new CreateBucketCommand({ Bucket: "b16-hand" }));

    const pattern = randomBytes(MIB);
    // One round of each, not counted: connections, the OSD's first allocations.
    await transfers(ours, "b16-plateau", pattern, started.cephConf);
    await transfers(byHand, "b16-hand", pattern, started.cephConf);
    const sides = { ours: [] as number[], baseline: [] as number[], ratios: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      // Alternating which goes first: neither always meets a server still busy with the other's deletes.
      const [first, second] = round % 2 === 0 ? [ours, byHand] : [byHand, ours];
      const a = await transfers(first, first === ours ? "b16-plateau" : "b16-hand", pattern, started.cephConf);
      const b = await transfers(second, second === ours ? "b16-plateau" : "b16-hand", pattern, started.cephConf);
      const [mine, theirs] = first === ours ? [a, b] : [b, a];
      sides.ours.push(mine.upload + mine.download);
      sides.baseline.push(theirs.upload + theirs.download);
      sides.ratios.push((mine.upload + mine.download) / (theirs.upload + theirs.download));
      log(`  B16 round ${round + 1}: Plateau's bucket ${ms(mine.upload)} + ${ms(mine.download)} ms, by hand ${ms(theirs.upload)} + ${ms(theirs.download)} ms`);
    }
    const throughput = (msFor2GiB: number) => `${((2 * 1024) / (msFor2GiB / 1000)).toFixed(0)} MiB/s`;
    const transferRatio = spread(sides.ratios);

    // (b) Creation: a new project and bucket each time, Plateau's path then the provider's own calls.
    const provider = handSigned(started);
    const creation = { ours: [] as number[], baseline: [] as number[] };
    for (let n = -1; n < CREATIONS; n++) {
      const plateau = await timed(async () => {
        await ensureProjectKey(storage, secrets, PLATFORM, `b16-p${n + 1}`);
        await storage.ensureBucket(settings(`b16-plateau-${n + 1}`, `b16-p${n + 1}`));
      });
      const own = await timed(() => provider(`b16-hand-${n + 1}`, `b16-hand-${n + 1}`));
      if (n < 0) continue; // the first of each is not counted
      creation.ours.push(plateau);
      creation.baseline.push(own);
    }
    const creationOurs = spread(creation.ours);
    const creationBaseline = median(creation.baseline);
    const creationRatio = creationOurs.median / creationBaseline;
    log(`  B16 creation: Plateau ${showSpread(creationOurs)} ms, the provider's own calls ${ms(creationBaseline)} ms, ${ratio(creationRatio)}`);

    return [
      {
        name: "B16 1 GiB up then down (8 × 128 MiB) through a bucket Plateau made, with its key",
        ours: `${showSpread(spread(sides.ours))} ms (${throughput(median(sides.ours))})`,
        baseline: `${ms(median(sides.baseline))} ms (${throughput(median(sides.baseline))}; a bucket made by hand: radosgw-admin, CreateBucket)`,
        ratio: showSpread(transferRatio, ratio),
        target: "≈ 1× (0.90×–1.10×, median)",
        met: transferRatio.median >= 0.9 && transferRatio.median <= 1.1,
      },
      {
        name: "B16 bucket creation, Plateau's path (project key kept, bucket with policy, versioning, quota)",
        ours: `${showSpread(creationOurs)} ms`,
        baseline: `${ms(creationBaseline)} ms (admin API user + key, CreateBucket, quota set; signed by hand)`,
        ratio: ratio(creationRatio),
        target: "≤ 3×",
        met: creationRatio <= 3,
      },
    ];
  } finally {
    await started.stop();
  }
}
