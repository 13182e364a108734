// The S3 server `plateau up` runs for the local platform: Debian's Ceph as a single-node cluster
// on loopback (one monitor, one OSD, one RADOS Gateway; auth none, nothing reachable from other
// machines), like scripts/s3-ceph-rgw.sh but kept: its directory under the data directory is
// made once (mkfs, an admin user) and started again as it is, so buckets and objects survive a
// restart. The OSD keeps its objects in BlueStore on a sparse file. Daemons left by a Plateau
// killed with -9 are found by their configuration's path in /proc/<pid>/cmdline and replaced
// (docs/adr/0032-the-local-s3-server.md).
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { accessSync, constants } from "node:fs";
import { appendFile, mkdir, open, readFile, rm, writeFile } from "node:fs/promises";
import { createConnection } from "node:net";
import { basename, delimiter, join } from "node:path";
import type { Logger } from "../../core/ports/logger.js";
import type { S3Endpoint } from "../../core/ports/object-storage.js";
import { processesWithArgument, terminate } from "../metrics/victoria-metrics-process.js";
import { freeLoopbackPort } from "../net.js";

/** The Debian packages the local S3 server needs. */
export const CEPH_PACKAGES = ["ceph-mon", "ceph-osd", "radosgw", "ceph-common"] as const;
export const CEPH_INSTALL_HINT = `apt-get install --no-install-recommends ${CEPH_PACKAGES.join(" ")}`;
const COMMANDS = ["monmaptool", "ceph-mon", "ceph-osd", "radosgw", "ceph", "radosgw-admin"] as const;

/** Whether the Ceph commands are all in PATH (the packages are installed). */
export function cephInstalled(path: string | undefined = process.env.PATH): boolean {
  const dirs = (path ?? "").split(delimiter).filter(Boolean);
  return COMMANDS.every((command) =>
    dirs.some((dir) => {
      try {
        accessSync(join(dir, command), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    }),
  );
}

export interface CephRgwProcessParams {
  /** Holds the cluster (`ceph.conf`, `mon/`, `osd/`, `state.json`, `log/`): made at the first start, reused after. */
  readonly dir: string;
  /** The S3 port on 127.0.0.1; 0: the one chosen at the first start (7480 when it was free). */
  readonly port: number;
  /** The OSD's sparse file: what the buckets may hold at most, all together (fixed at the first start). */
  readonly sizeBytes: number;
  readonly logger: Logger;
  /** How long the daemons may take to answer (default 120 s). */
  readonly startTimeoutMs?: number;
}

/** The admin user's keys (admin caps on users, buckets, metadata, usage): what Plateau drives the RGW with. */
export interface LocalS3Admin {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface CephRgwProcess {
  /** Its configuration (for `ceph -c` and `radosgw-admin -c`); the daemons carry this path in their command line. */
  readonly conf: string;
  /** Resolves once S3 answers, with its endpoint and admin keys; undefined when it could not start (the log says why). */
  readonly started: Promise<{ readonly endpoint: S3Endpoint; readonly admin: LocalS3Admin } | undefined>;
  stop(): Promise<void>;
}

/** What is fixed at the first start and kept in `state.json` (private to this user: it holds the admin keys). */
interface ClusterState {
  readonly fsid: string;
  readonly osdUuid: string;
  readonly monPort: number;
  readonly port: number;
  readonly sizeBytes: number;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

const DAEMONS = ["mon", "osd", "rgw"] as const;
type Daemon = (typeof DAEMONS)[number];
const BINARY: Record<Daemon, string> = { mon: "ceph-mon", osd: "ceph-osd", rgw: "radosgw" };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The cluster's configuration: everything on loopback, no authentication (nothing else reaches it), one copy of each object. */
export function cephConf(dir: string, state: Pick<ClusterState, "fsid" | "monPort" | "port" | "sizeBytes">): string {
  return `# Made by Plateau (the local S3 server, docs/adr/0032-the-local-s3-server.md) at each start.
[global]
fsid = ${state.fsid}
mon host = v2:127.0.0.1:${state.monPort}
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr1 = false
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
run dir = ${dir}/run
admin socket = ${dir}/run/$name.asok
pid file = ${dir}/run/$name.pid
log file = ${dir}/log/$name.log
crash dir = ${dir}/crash
keyring = ${dir}/keyring
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
mon warn on insecure global id reclaim allowed = false
mon data avail warn = 1
mon data avail crit = 0
paxos propose interval = 0.05
paxos min wait = 0.01
[mon]
mon data = ${dir}/mon/$id
mon cluster log file = ${dir}/log/$cluster.$channel.log
[osd]
osd data = ${dir}/osd/$id
osd objectstore = bluestore
bluestore block path = ${dir}/osd/$id/block.file
bluestore block create = true
bluestore block size = ${state.sizeBytes}
bdev enable discard = false
bluestore cache autotune = false
bluestore cache size = 67108864
osd memory target = 939524096
[client.admin]
admin socket =
log file = ${dir}/log/client.admin.log
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:${state.port}
rgw data = ${dir}/rgw
rgw thread pool size = 64
rgw bucket quota ttl = 0
rgw user quota bucket sync interval = 1
rgw enable lc threads = false
`;
}

/** Whether something accepts connections on 127.0.0.1:port. */
function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/`, { signal: AbortSignal.timeout(2000) });
    await response.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

/** Runs a Ceph command to its end and gives its standard output; rejects with its output's tail. `logFile: null`: its output is not kept (it holds keys). */
function runCommand(command: string, args: readonly string[], logFile: string | null, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      output = (output + chunk.toString()).slice(-4000);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (logFile) void appendFile(logFile, `$ ${command} ${args.join(" ")}\n${output}\n`).catch(() => undefined);
      if (code === 0) resolve(stdout);
      else
        reject(
          new Error(
            `${command} ${args[0] ?? ""} ${args[1] ?? ""} failed (${code ?? signal})${logFile ? `: ${output.trim().split("\n").slice(-3).join(" / ")}` : ""}`,
          ),
        );
    });
  });
}

/** The daemons (pid and which) started with this configuration, by their command line. */
export async function daemonsOf(conf: string): Promise<{ pid: number; daemon: Daemon | undefined }[]> {
  const pids = await processesWithArgument(conf);
  const found: { pid: number; daemon: Daemon | undefined }[] = [];
  for (const pid of pids) {
    const commandLine = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    const name = basename(commandLine.split("\0")[0] ?? "");
    found.push({ pid, daemon: DAEMONS.find((daemon) => BINARY[daemon] === name) });
  }
  return found;
}

/** Ends the daemons of this configuration: the gateway first, then the OSD, then the monitor (radosgw hangs when the OSD goes first). */
async function endDaemons(conf: string, graceMs: number): Promise<number> {
  // Only the daemons: a `ceph -c` or `radosgw-admin -c` someone runs on this configuration is theirs.
  const running = (await daemonsOf(conf)).filter((found) => found.daemon !== undefined);
  const order = (daemon: Daemon | undefined) => (daemon === "rgw" ? 0 : daemon === "osd" ? 1 : 2);
  for (const rank of [0, 1, 2]) await Promise.all(running.filter((found) => order(found.daemon) === rank).map((found) => terminate(found.pid, graceMs)));
  return running.length;
}

export function startCephRgwProcess(params: CephRgwProcessParams): CephRgwProcess {
  const { dir, logger } = params;
  const conf = join(dir, "ceph.conf");
  const stateFile = join(dir, "state.json");
  const setupLog = join(dir, "log", "setup.log");
  const children = new Map<Daemon, ChildProcess>();
  let stopping = false;

  const spawnDaemon = async (daemon: Daemon, args: readonly string[]): Promise<ChildProcess> => {
    // A Plateau closed while this one starts: nothing more is started (what is running is ended by stop).
    if (stopping) throw new Error("stopped while starting");
    const out = await open(join(dir, "log", `${daemon}.out`), "a");
    // Its own process group: a Ctrl-C of `plateau up` reaches Plateau, which ends them in order.
    const child = spawn(BINARY[daemon], ["-c", conf, "-f", ...args], { stdio: ["ignore", out.fd, out.fd], detached: true });
    await out.close();
    child.once("error", () => undefined);
    children.set(daemon, child);
    return child;
  };

  const readState = async (): Promise<ClusterState | undefined> => {
    const text = await readFile(stateFile, "utf8").catch(() => undefined);
    return text === undefined ? undefined : (JSON.parse(text) as ClusterState);
  };

  const ensureAlive = (daemon: Daemon) => {
    const child = children.get(daemon);
    if (!child || child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${BINARY[daemon]} stopped (${child?.exitCode ?? child?.signalCode ?? "not started"}); its log: ${join(dir, "log")}`);
  };

  const waitForS3 = async (url: string) => {
    const deadline = Date.now() + (params.startTimeoutMs ?? 120_000);
    while (!(await answers(url))) {
      if (stopping) throw new Error("stopped while starting");
      for (const daemon of DAEMONS) ensureAlive(daemon);
      if (Date.now() > deadline)
        throw new Error(`radosgw did not answer at ${url} within ${(params.startTimeoutMs ?? 120_000) / 1000} s; its log: ${join(dir, "log")}`);
      await sleep(200);
    }
  };

  /** The first start: a new cluster (mkfs of the monitor and the OSD), its pools (made by radosgw) and the admin user. */
  const make = async (): Promise<ClusterState> => {
    // A half-made cluster (a Plateau stopped during its first start) is made again from nothing.
    for (const part of ["mon", "osd", "rgw", "run", "crash", "monmap", "keyring"]) await rm(join(dir, part), { recursive: true, force: true });
    await mkdir(join(dir, "mon", "a"), { recursive: true });
    await mkdir(join(dir, "osd", "0"), { recursive: true });
    for (const part of ["rgw", "run", "crash"]) await mkdir(join(dir, part), { recursive: true });
    if (params.port && (await portTaken(params.port))) throw new Error(`127.0.0.1:${params.port} is already taken (localS3.port sets another)`);
    const port = params.port || ((await portTaken(7480)) ? await freeLoopbackPort() : 7480);
    const cluster = { fsid: randomUUID(), osdUuid: randomUUID(), monPort: await freeLoopbackPort(), port, sizeBytes: params.sizeBytes };
    await writeFile(conf, cephConf(dir, cluster));
    const monmap = join(dir, "monmap");
    await runCommand("monmaptool", ["--create", "--clobber", "--fsid", cluster.fsid, "--addv", "a", `[v2:127.0.0.1:${cluster.monPort}]`, monmap], setupLog);
    await runCommand("ceph-mon", ["-c", conf, "--mkfs", "-i", "a", "--monmap", monmap], setupLog);
    await spawnDaemon("mon", ["-i", "a"]);
    await runCommand("ceph", ["-c", conf, "osd", "new", cluster.osdUuid], setupLog);
    await runCommand("ceph-osd", ["-c", conf, "--mkfs", "-i", "0", "--osd-uuid", cluster.osdUuid], setupLog);
    await spawnDaemon("osd", ["-i", "0"]);
    await spawnDaemon("rgw", ["-n", "client.rgw.a"]);
    await waitForS3(`http://127.0.0.1:${cluster.port}`);
    // The gateway makes the keys: no secret in a command line (/proc shows those to every user).
    const created = await runCommand(
      "radosgw-admin",
      ["-c", conf, "user", "create", "--uid=plateau-admin", "--display-name=Plateau", "--caps=users=*;buckets=*;metadata=*;usage=*"],
      null,
    );
    const key = (JSON.parse(created) as { keys?: { access_key?: string; secret_key?: string }[] }).keys?.[0];
    if (!key?.access_key || !key.secret_key) throw new Error("radosgw-admin user create gave no key");
    const state: ClusterState = { ...cluster, accessKeyId: key.access_key, secretAccessKey: key.secret_key };
    // Written last: a cluster without it is half-made.
    await writeFile(stateFile, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
    return state;
  };

  const started = (async () => {
    const t0 = Date.now();
    await mkdir(join(dir, "log"), { recursive: true, mode: 0o700 });
    // Left by a Plateau killed with -9 (they are in their own process groups): replaced, so that
    // this Plateau holds their handles and the configuration they run is this one.
    const left = await endDaemons(conf, 10_000);
    if (left > 0)
      logger.info({ daemons: left, conf }, "the local S3 server's daemons left by an earlier Plateau of this data directory were stopped; starting them again");
    if (stopping) return undefined;
    let state = await readState();
    if (!state) {
      logger.info({ dir }, "making the local S3 server (first start, about 10 s)");
      state = await make();
      logger.info({ url: `http://127.0.0.1:${state.port}`, seconds: (Date.now() - t0) / 1000 }, "the local S3 server is made and answers");
    } else {
      const configured = params.port && params.port !== state.port ? { ...state, port: params.port } : state;
      if (configured !== state) {
        await writeFile(stateFile, `${JSON.stringify(configured, null, 2)}\n`, { mode: 0o600 });
        state = configured;
      }
      if (params.sizeBytes !== state.sizeBytes)
        logger.info({ sizeBytes: state.sizeBytes }, "localS3.sizeGiB changed: the local S3 server keeps the size it was made with");
      if (await portTaken(state.port)) throw new Error(`127.0.0.1:${state.port} is already taken (localS3.port sets another)`);
      logger.info({ dir }, "starting the local S3 server (about 5 s)");
      await writeFile(conf, cephConf(dir, state));
      await spawnDaemon("mon", ["-i", "a"]);
      await spawnDaemon("osd", ["-i", "0"]);
      await spawnDaemon("rgw", ["-n", "client.rgw.a"]);
      await waitForS3(`http://127.0.0.1:${state.port}`);
      logger.info({ url: `http://127.0.0.1:${state.port}`, seconds: (Date.now() - t0) / 1000 }, "the local S3 server answers");
    }
    for (const [daemon, child] of children)
      child.once("exit", (code, signal) => {
        if (!stopping)
          logger.warn(
            { daemon: BINARY[daemon], code, signal, log: join(dir, "log") },
            "a daemon of the local S3 server stopped: buckets are unavailable until the next start",
          );
      });
    return {
      endpoint: { url: `http://127.0.0.1:${state.port}`, region: "us-east-1", pathStyle: true },
      admin: { accessKeyId: state.accessKeyId, secretAccessKey: state.secretAccessKey },
    };
  })().catch(async (error: unknown) => {
    if (!stopping)
      logger.warn({ error: (error as Error).message, log: join(dir, "log") }, "the local S3 server could not start: no object storage on the local platform");
    await endDaemons(conf, 10_000).catch(() => 0);
    return undefined;
  });

  return {
    conf,
    started,
    async stop() {
      stopping = true;
      await started;
      await endDaemons(conf, 10_000);
    },
  };
}
