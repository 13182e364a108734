// A private Ceph RADOS Gateway (a real S3 server) for a test file: Debian's Ceph as a throwaway
// single-node cluster on loopback, started by scripts/s3-ceph-rgw.sh in a temporary directory
// on free ports, stopped at the end. Skipped (with the reason) when Ceph is not installed,
// unless PLATEAU_REQUIRE_CEPH=1 (CI) makes that a failure.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { freeLoopbackPort } from "../../src/adapters/net.js";

const run = promisify(execFile);
export const CEPH_RGW_SCRIPT = resolve(import.meta.dirname, "../../scripts/s3-ceph-rgw.sh");
export const RADOSGW_BIN = "/usr/bin/radosgw";

export interface CephRgwServer {
  /** The S3 endpoint (`http://127.0.0.1:<port>`); the admin ops API is under `/admin/`. */
  readonly endpoint: string;
  readonly region: string;
  /** The keys of the `admin` user (admin caps on users, buckets, metadata, usage, zone). */
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** For `radosgw-admin -c` and `ceph -c`. */
  readonly cephConf: string;
  stop(): Promise<void>;
}

export type CephRgwStart = CephRgwServer | { readonly skipped: string };

export const cephRequired = (): boolean => process.env.PLATEAU_REQUIRE_CEPH === "1";

/** Starts one (about 1.5 s). `memstoreBytes`: what the OSD may hold in memory (default 4 GiB). */
export async function startCephRgw(options: { readonly memstoreBytes?: number } = {}): Promise<CephRgwStart> {
  if (!existsSync(RADOSGW_BIN) && !cephRequired()) {
    return { skipped: "Ceph's radosgw is not installed (apt-get install --no-install-recommends ceph-mon ceph-osd radosgw ceph-common)" };
  }
  const dir = await mkdtemp(join(tmpdir(), "plateau-rgw-"));
  // Ports taken by another file between the check and the start make it fail: try again on others.
  for (let attempt = 1; ; attempt++) {
    const [rgwPort, monPort] = [await freeLoopbackPort(), await freeLoopbackPort()];
    try {
      const { stdout } = await run(CEPH_RGW_SCRIPT, ["start", dir], {
        env: {
          ...process.env,
          CEPH_RGW_PORT: String(rgwPort),
          CEPH_RGW_MON_PORT: String(monPort),
          ...(options.memstoreBytes ? { CEPH_RGW_MEMSTORE_BYTES: String(options.memstoreBytes) } : {}),
        },
        maxBuffer: 1 << 20,
      });
      const values = Object.fromEntries(
        stdout
          .split("\n")
          .filter((line) => line.includes("="))
          .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
      ) as Record<string, string | undefined>;
      const value = (key: string): string => {
        const found = values[key];
        if (!found) throw new Error(`s3-ceph-rgw.sh printed no ${key}: ${stdout}`);
        return found;
      };
      return {
        endpoint: value("S3_ENDPOINT"),
        region: value("S3_REGION"),
        accessKeyId: value("S3_ACCESS_KEY_ID"),
        secretAccessKey: value("S3_SECRET_ACCESS_KEY"),
        cephConf: value("CEPH_CONF"),
        async stop() {
          await run(CEPH_RGW_SCRIPT, ["stop", dir]).catch(() => rm(dir, { recursive: true, force: true }));
        },
      };
    } catch (error) {
      await run(CEPH_RGW_SCRIPT, ["stop", dir]).catch(() => undefined);
      if (attempt >= 3) throw error;
      // the script's stop removed the directory; start wants it empty
      await mkdir(dir, { recursive: true });
    }
  }
}
