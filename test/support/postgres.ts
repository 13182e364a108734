// A private PostgreSQL for the test run: initdb in a temporary directory, listening on
// loopback only, stopped at the end. Uses PLATEAU_TEST_POSTGRES_URL instead when set.
import { spawn, type ChildProcess } from "node:child_process";
import { chmod, mkdtemp, readdir, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { run } from "../../src/adapters/process.js";
import { freeLoopbackPort } from "../../src/adapters/net.js";

export type PostgresServer = { url: string; stop(): Promise<void> } | { skipped: string };

async function postgresBin(): Promise<string | undefined> {
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return undefined;
  const versions = (await readdir(base)).sort((a, b) => Number(b) - Number(a));
  for (const version of versions) if (existsSync(join(base, version, "bin", "initdb"))) return join(base, version, "bin");
  return undefined;
}

export async function startPostgres(): Promise<PostgresServer> {
  if (process.env.PLATEAU_TEST_POSTGRES_URL) return { url: process.env.PLATEAU_TEST_POSTGRES_URL, stop: async () => {} };
  const bin = await postgresBin();
  if (!bin) return { skipped: "PostgreSQL server binaries not found (apt-get install postgresql)" };
  // PostgreSQL refuses to run as root: run it as the postgres system user when we are root.
  let user: { uid: number; gid: number } | undefined;
  if (process.getuid?.() === 0) {
    const [uid, gid] = await Promise.all([run("id", ["-u", "postgres"]), run("id", ["-g", "postgres"])]);
    if (uid.code !== 0) return { skipped: "no postgres system user to run the server as" };
    user = { uid: Number(uid.stdout.toString().trim()), gid: Number(gid.stdout.toString().trim()) };
  }

  const dir = await mkdtemp(join(tmpdir(), "plateau-pg-"));
  await chmod(dir, 0o777);
  const data = join(dir, "data");
  const init = await new Promise<number>((resolve) => {
    const initdb = spawn(join(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"], { stdio: "ignore", ...user });
    initdb.on("exit", (code) => resolve(code ?? 1));
    initdb.on("error", () => resolve(1));
  });
  if (init !== 0) return { skipped: `initdb failed with exit code ${init}` };
  const port = await freeLoopbackPort();
  const args = ["-D", data, "-k", dir, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=200"];
  const child: ChildProcess = spawn(join(bin, "postgres"), args, { stdio: "ignore", ...user });
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  for (let attempt = 0; ; attempt++) {
    try {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.end();
      break;
    } catch (error) {
      if (attempt > 100 || child.exitCode !== null) {
        child.kill("SIGKILL");
        return { skipped: `PostgreSQL did not start: ${(error as Error).message}` };
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    url,
    async stop() {
      child.kill("SIGINT");
      await new Promise((resolve) => child.once("exit", resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh, empty database on the server, for one test. */
export async function createTestDatabase(serverUrl: string): Promise<string> {
  const name = `plateau_test_${Math.random().toString(36).slice(2, 10)}`;
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  await client.query(`create database ${name}`);
  await client.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
