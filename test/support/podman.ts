// Podman for tests: is it here, and the small web image built from local files (no registry
// is reachable on the machines that test Plateau; see docs/podman.md).
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../src/adapters/process.js";

// The recipe of docs/podman.md, with -vv so that each request and its path are logged (tests read logs).
export const TEST_IMAGE = "localhost/plateau-test-site:4";

/** Why podman tests cannot run here, or undefined when they can. Fails when they must run. */
export async function podmanUnavailable(): Promise<string | undefined> {
  let reason: string | undefined;
  try {
    const version = await run("podman", ["version", "--format", "{{.Client.Version}}"]);
    if (version.code !== 0) reason = `podman does not work: ${version.stderr.trim()}`;
  } catch {
    reason = "podman is not installed";
  }
  if (!reason && !existsSync("/bin/busybox")) reason = "busybox is not installed (apt-get install busybox-static)";
  if (!reason) reason = await buildTestImage();
  if (reason && process.env.PLATEAU_REQUIRE_PODMAN === "1") throw new Error(`podman is required (PLATEAU_REQUIRE_PODMAN=1) but ${reason}`);
  if (reason) console.warn(`\n[plateau tests] podman tests skipped: ${reason}\n`);
  return reason;
}

let built: Promise<string | undefined> | undefined;

/**
 * A static web server from busybox that runs as a non-root user with its own default
 * command, as real unprivileged web images do. Built once per machine.
 */
export function buildTestImage(): Promise<string | undefined> {
  built ??= (async () => {
    if ((await run("podman", ["image", "exists", TEST_IMAGE])).code === 0) return undefined;
    const dir = await mkdtemp(join(tmpdir(), "plateau-image-"));
    try {
      const root = join(dir, "rootfs");
      await mkdir(join(root, "bin"), { recursive: true });
      await mkdir(join(root, "www"), { recursive: true });
      // No /tmp in the image: podman copies an image's directory into a volume mounted over it,
      // ownership included, and a root-owned /tmp would not be writable by the user.
      await cp("/bin/busybox", join(root, "bin", "busybox"));
      for (const tool of ["sh", "httpd", "echo", "mkdir", "cat", "sleep", "env"]) await symlink("busybox", join(root, "bin", tool));
      await writeFile(join(root, "www", "index.html"), "<h1>hello from plateau</h1>\n");
      const tar = await run("tar", ["-C", root, "-cf", join(dir, "site.tar"), "."]);
      if (tar.code !== 0) return `tar failed: ${tar.stderr}`;
      const imported = await run("podman", [
        "import",
        "--change",
        "USER 1000",
        "--change",
        'CMD ["/bin/httpd","-f","-vv","-p","8080","-h","/www"]',
        join(dir, "site.tar"),
        TEST_IMAGE,
      ]);
      return imported.code === 0 ? undefined : `podman import failed: ${imported.stderr.trim()}`;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  })();
  return built;
}

/** Removes every pod, volume, secret and network of a test project (of every installation). */
export async function cleanPodmanProject(project: string): Promise<void> {
  const pods = await run("podman", ["pod", "ps", "-q", "--filter", `label=plateau.io/project=${project}`]);
  for (const id of pods.stdout.toString().split("\n").filter(Boolean)) {
    await run("podman", ["pod", "stop", "-t", "0", id]);
    await run("podman", ["pod", "rm", "-f", id]);
  }
  const volumes = await run("podman", ["volume", "ls", "-q", "--filter", `label=plateau.io/project=${project}`]);
  for (const name of volumes.stdout.toString().split("\n").filter(Boolean)) await run("podman", ["volume", "rm", "-f", name]);
  const secrets = await run("podman", ["secret", "ls", "--format", "{{.Name}}"]);
  const ofProject = new RegExp(`^plateau(-[a-z0-9]+)?\\.${project}\\.`);
  for (const name of secrets.stdout
    .toString()
    .split("\n")
    .filter((n) => ofProject.test(n)))
    await run("podman", ["secret", "rm", name]);
  const networks = await run("podman", ["network", "ls", "-q", "--filter", `label=plateau.io/project=${project}`]);
  for (const name of networks.stdout.toString().split("\n").filter(Boolean)) await run("podman", ["network", "rm", "-f", name]);
}

/**
 * A TCP server on loopback that counts who connects, and hangs up on them: a registry (or any
 * address) that podman must never reach. `connections()` says how many did.
 */
export async function countingListener(): Promise<{ readonly port: number; connections(): number; close(): void }> {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, connections: () => connections, close: () => void server.close() };
}

/** The body of a GET of `path` at `host:port` (an instance's endpoint), whatever the status. */
export function httpGet(endpoint: string, path = "/"): Promise<string> {
  const [host, port] = endpoint.split(":");
  return new Promise((resolve, reject) => {
    request({ host, port: Number(port), path }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve(body));
    })
      .on("error", reject)
      .end();
  });
}
