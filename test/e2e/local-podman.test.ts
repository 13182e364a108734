// The acceptance of the foundation, for real: `plateau up` as a process, the `plateau`
// command, podman running the pods, the proxy serving them, git holding every change.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { run } from "../../src/adapters/process.js";
import { cleanPodmanProject, countingListener, podmanUnavailable, TEST_IMAGE } from "../support/podman.js";
import { BIN, cli, git, startServer, viaProxy, writeConfig, type ServerProcess } from "../support/server.js";
import { startChartRepository, type ChartRepositoryServer } from "../support/chart-repository.js";
import { toYaml } from "../../src/core/yaml.js";

const unavailable = await podmanUnavailable();
const PROJECT = "e2e";

describe.skipIf(unavailable)("local platform with podman, end to end", () => {
  let dir: string;
  let server: ServerProcess;
  let repository: string;
  let charts: ChartRepositoryServer;
  const commits = async () => Number((await git(repository, "rev-list", "--count", "main")).trim());
  const pods = async () =>
    (await run("podman", ["pod", "ps", "--filter", `label=plateau.io/project=${PROJECT}`, "--format", "{{.Name}} {{.Status}}"])).stdout.toString().trim();

  beforeAll(async () => {
    await cleanPodmanProject(PROJECT);
    dir = await mkdtemp(join(tmpdir(), "plateau-e2e-"));
    charts = await startChartRepository();
    const catalogs = toYaml({ catalogs: [{ id: "ide", location: charts.location, name: { en: "Interactive services", fr: "Services interactifs" } }] });
    const config = await writeConfig(dir, `podman:\n  stopTimeoutSeconds: 1\nreconcile:\n  intervalSeconds: 1\n${catalogs}`);
    server = await startServer({ dataDir: join(dir, "data"), config });
    repository = join(dir, "data", "state.git");
    // Alice (lab IMB) signs in through the embedded provider and creates the lab's project.
    await server.actAs("alice");
    expect((await cli(server, "projects", "create", PROJECT, "--lab", "imb")).code).toBe(0);
  });

  afterAll(async () => {
    await server?.stop();
    await charts?.close();
    await cleanPodmanProject(PROJECT);
    await rm(dir, { recursive: true, force: true });
  });

  it("starts with the embedded defaults and says how to use it", () => {
    expect(server.output()).toContain("is up");
    expect(server.output()).toContain("Platform   local: podman");
    expect(server.output()).toMatch(/plateau .*catalog/);
  });

  it("lists the catalog", async () => {
    const result = await cli(server, "catalog");
    expect(result.code).toBe(0);
    for (const id of ["static-site", "jupyter-notebook", "rstudio", "shiny", "wordpress", "python-web", "node-web", "php-web"])
      expect(result.stdout).toContain(id);
    const detail = await cli(server, "catalog", "static-site", "--lang", "fr");
    expect(detail.stdout).toContain("Site web statique");
    expect(detail.stdout).toContain("git.repository");
    // The charts of the configured Helm catalog, read over HTTP from a real chart repository.
    for (const id of ["ide/jupyter-python", "ide/rstudio", "ide/vscode-python"]) expect(result.stdout).toContain(id);
    const chart = await cli(server, "catalog", "ide/rstudio");
    expect(chart.code).toBe(0);
    expect(chart.stdout).toContain("Interactive services, Helm");
    expect(chart.stdout).toContain("resources.requests.cpu");
    // Only platforms with Argo CD run charts: here there is none, and the launch says why, committing nothing.
    const before = await commits();
    const refused = await cli(server, "launch", "ide/rstudio", "--project", PROJECT);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("runs no Helm charts");
    expect(await commits()).toBe(before);
  });

  it("launches static-site, waits with progress, and serves it through the proxy", async () => {
    const before = await commits();
    const result = await cli(server, "launch", "static-site", "--project", PROJECT, "--name", "hello", "--set", `image=${TEST_IMAGE}`, "--wait");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("committed");
    expect(result.stdout).toContain("starting the pod");
    expect(result.stdout).toContain(`http://hello.${PROJECT}.localhost:${server.port}/`);
    expect(await commits()).toBe(before + 1);
    const page = await viaProxy(server.port, `hello.${PROJECT}.localhost:${server.port}`, "/", server.token);
    expect(page).toEqual({ status: 200, body: "<h1>hello from plateau</h1>\n" });
    // Named after this installation (its id is kept in the data directory), on the project's own network.
    const installation = (await readFile(join(dir, "data", "installation-id"), "utf8")).trim();
    expect(await pods()).toBe(`plateau-${installation}.${PROJECT}.hello Running`);
    const networks = await run("podman", [
      "pod",
      "inspect",
      "--format",
      "{{range .InfraConfig.Networks}}{{.}} {{end}}",
      `plateau-${installation}.${PROJECT}.hello`,
    ]);
    expect(networks.stdout.toString().trim()).toBe(`plateau-${installation}.${PROJECT}`);
  });

  it("lists, shows and gives logs, following new lines", async () => {
    expect((await cli(server, "ls", "--project", PROJECT)).stdout).toMatch(new RegExp(`${PROJECT}/hello\\s+static-site\\s+running\\s+local`));
    const status = await cli(server, "status", `${PROJECT}/hello`);
    expect(status.stdout).toContain("running");
    expect(status.stdout).toContain("Events:");
    const follower = spawn(
      process.execPath,
      [new URL("../../bin/plateau.js", import.meta.url).pathname, "--server", server.url, "logs", `${PROJECT}/hello`, "--follow", "--tail", "0"],
      { env: { ...process.env, PLATEAU_TOKEN: server.token ?? "" } },
    );
    let followed = "";
    follower.stdout.on("data", (chunk: Buffer) => (followed += chunk.toString("utf8")));
    const exited = new Promise((resolve) => follower.on("close", resolve));
    try {
      // Attached once a visit made now shows up in what it prints: visits until one does,
      // rather than guessing how long attaching takes.
      await vi.waitFor(
        async () => {
          await viaProxy(server.port, `hello.${PROJECT}.localhost:${server.port}`, "/followed-request", server.token);
          expect(followed).toContain("/followed-request");
        },
        { timeout: 30_000, interval: 250 },
      );
    } finally {
      follower.kill();
      await exited;
    }
    expect(followed).toContain("/followed-request");
    const logs = await cli(server, "logs", `${PROJECT}/hello`, "--tail", "50");
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/main \|.*url:\/followed-request/);
  });

  it("stops, starts and removes it, one commit each, and the history says so", async () => {
    const before = await commits();
    expect((await cli(server, "stop", `${PROJECT}/hello`, "--wait")).code).toBe(0);
    expect(await pods()).toBe("");
    expect((await viaProxy(server.port, `hello.${PROJECT}.localhost:${server.port}`, "/", server.token)).status).toBe(503);
    expect((await cli(server, "stop", `${PROJECT}/hello`)).stdout).toContain("already stopped");
    expect((await cli(server, "start", `${PROJECT}/hello`, "--wait")).code).toBe(0);
    expect((await viaProxy(server.port, `hello.${PROJECT}.localhost:${server.port}`, "/", server.token)).status).toBe(200);
    expect((await cli(server, "rm", `${PROJECT}/hello`, "--wait")).code).toBe(0);
    expect(await pods()).toBe("");
    expect(await commits()).toBe(before + 3);
    const history = await cli(server, "history", `${PROJECT}/hello`);
    expect(
      history.stdout
        .split("\n")
        .filter((line) => /^[0-9a-f]{7} /.test(line))
        .map((line) => line.split(/\s{2,}/).at(-1)),
    ).toEqual([`remove ${PROJECT}/hello`, `start ${PROJECT}/hello`, `stop ${PROJECT}/hello`, `launch ${PROJECT}/hello (static-site 1.0.0) on local`]);
  });

  it("keeps data on a persistent volume across stop and start, and deletes it with the instance", async () => {
    // python-web, running our busybox server on its data volume instead of Python.
    const values = join(dir, "values.yaml");
    await writeFile(values, `image: ${TEST_IMAGE}\ncommand: ["/bin/httpd", "-f", "-v", "-p", "8000", "-h", "/data"]\n`);
    const launched = await cli(server, "launch", "python-web", "--project", PROJECT, "--name", "data", "--values", values, "--set", "storage=2", "--wait");
    expect(launched.stderr).toBe("");
    // Named after this installation (its id is kept in the data directory), the project and the claim.
    const installation = (await readFile(join(dir, "data", "installation-id"), "utf8")).trim();
    const volume = `plateau-${installation}.${PROJECT}.data-data`;
    const mountpoint = (await run("podman", ["volume", "inspect", "--format", "{{.Mountpoint}}", volume])).stdout.toString().trim();
    await writeFile(join(mountpoint, "kept.txt"), "still here\n");
    await cli(server, "stop", `${PROJECT}/data`, "--wait");
    expect((await run("podman", ["volume", "exists", volume])).code).toBe(0);
    await cli(server, "start", `${PROJECT}/data`, "--wait");
    expect(await viaProxy(server.port, `data.${PROJECT}.localhost:${server.port}`, "/kept.txt", server.token)).toEqual({ status: 200, body: "still here\n" });
    await cli(server, "rm", `${PROJECT}/data`, "--wait");
    expect((await run("podman", ["volume", "exists", volume])).code).toBe(1);
  });

  it("generates a readable name when none is given", async () => {
    const result = await cli(server, "launch", "static-site", "--project", PROJECT, "--set", `image=${TEST_IMAGE}`, "--json");
    const name = (JSON.parse(result.stdout) as { instance: { name: string } }).instance.name;
    expect(name).toMatch(/^[a-z]+-[a-z]+-[a-z0-9]{3}$/);
    expect((await cli(server, "rm", `${PROJECT}/${name}`, "--wait")).code).toBe(0);
  });

  it("refuses bad input with a one-line reason and the right exit code, changing nothing", async () => {
    const before = await commits();
    const podsBefore = await pods();
    const cases: [string[], number, RegExp][] = [
      [["launch", "static-site", "--project", PROJECT, "--set", "size=huge"], 2, /\/values\/size must be one of "small", "medium", "large" \[enum\]/],
      [["launch", "static-site", "--project", PROJECT, "--set", "colour=red"], 2, /\/values\/colour is not a known value/],
      [["launch", "static-site", "--project", PROJECT, "--set", "image=a\nb"], 2, /\/values\/image/],
      [["launch", "static-site", "--project", "Bad_Project"], 2, /DNS-1123/],
      [["launch", "static-site", "--project", PROJECT, "--name", "-bad"], 2, /DNS-1123/],
      [["launch", "nope", "--project", PROJECT], 3, /template "nope" not found/],
      // A project of nobody's we know (or of another lab): it does not exist for alice.
      [["launch", "static-site", "--project", "elsewhere"], 3, /project "elsewhere" not found/],
      [["status", `${PROJECT}/missing`], 3, /not found/],
      [["status", "no-slash"], 2, /must be <project>\/<instance>/],
      [["launch", "python-web", "--project", PROJECT, "--set", "storage=lots"], 2, /must be an integer/],
      [["nonsense"], 2, /unknown command/],
    ];
    for (const [args, code, message] of cases) {
      const result = await cli(server, ...args);
      expect(result.code, args.join(" ")).toBe(code);
      expect(result.stderr, args.join(" ")).toMatch(message);
      expect(result.stderr.trim().split("\n").length, args.join(" ")).toBeLessThanOrEqual(2);
    }
    await cli(server, "launch", "static-site", "--project", PROJECT, "--name", "taken", "--set", `image=${TEST_IMAGE}`, "--wait");
    const conflict = await cli(server, "launch", "static-site", "--project", PROJECT, "--name", "taken");
    expect(conflict.code).toBe(4);
    expect(conflict.stderr).toContain("already exists");
    expect(await commits()).toBe(before + 1);
    await cli(server, "rm", `${PROJECT}/taken`, "--wait");
    expect(await pods()).toBe(podsBefore);
  });

  it("never makes podman connect where an image value points: refused before any commit; a failed pull is told to members without the network's answer", async () => {
    // A server on this machine that counts connections: podman's, had the image been let through.
    const listener = await countingListener();
    const { port } = listener;
    try {
      const before = await commits();
      const refused = await cli(server, "launch", "static-site", "--project", PROJECT, "--name", "probe", "--set", `image=127.0.0.1:${port}/probe/a:1`);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/\/values\/image must not name a registry on this machine or a private network/);
      expect(await commits()).toBe(before);
      expect((await cli(server, "status", `${PROJECT}/probe`)).code).toBe(3);
      expect(listener.connections()).toBe(0);
    } finally {
      listener.close();
    }

    // An allowed registry that cannot give the image (no registry is reachable here, or it has no such image).
    const image = "docker.io/plateau-test/does-not-exist:0";
    expect((await cli(server, "launch", "static-site", "--project", PROJECT, "--name", "unpulled", "--set", `image=${image}`)).code).toBe(0);
    let member = "";
    await vi.waitFor(
      async () => {
        member = (await cli(server, "status", `${PROJECT}/unpulled`)).stdout;
        expect(member).toContain(`the image ${image} could not be pulled`);
      },
      { timeout: 120_000, interval: 500 },
    );
    expect(member).not.toMatch(/connection refused|EOF|dial tcp|no such host|lookup |denied|unauthorized|manifest/i);
    await server.actAs("oscar");
    try {
      const operator = (await cli(server, "status", `${PROJECT}/unpulled`)).stdout;
      expect(operator).toMatch(new RegExp(`the image ${image.replaceAll(".", "\\.")} could not be pulled: \\S`));
    } finally {
      await server.actAs("alice");
    }
    expect((await cli(server, "rm", `${PROJECT}/unpulled`, "--wait")).code).toBe(0);
  });

  it("says where a launch would go without launching (plateau place)", async () => {
    const before = await commits();
    const result = await cli(server, "place", "static-site", "--project", PROJECT, "--dry-run");
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`static-site in ${PROJECT} would run on local`);
    expect(result.stdout).toContain("It would count 0.05 CPU, 0.0625 GiB of memory, 0 GPU and 0 GiB of storage against the quotas");
    expect(result.stdout).toMatch(/local\s+[0-9.]+\s+availability=1 capacity=0.5 affinity=[01] spread=/);
    expect(await commits()).toBe(before);
  });

  it("reports an unreachable server with exit code 7", async () => {
    // Retries of a restarting server (ADR 42) given one second, not thirty.
    const retried = await run(process.execPath, [BIN, "--server", "http://127.0.0.1:9", "ls"], {
      env: { ...process.env, NO_COLOR: "1", PLATEAU_TOKEN: "", PLATEAU_RETRY_SECONDS: "1", PLATEAU_CREDENTIALS: "/nonexistent/plateau-credentials.json" },
    });
    const result = { code: retried.code, stderr: retried.stderr };
    expect(result.code).toBe(7);
    expect(result.stderr).toContain("cannot reach Plateau");
  });

  it("has help for every command", async () => {
    const help = await cli(server, "--help");
    expect(help.code).toBe(0);
    for (const command of ["up", "catalog", "launch", "ls", "status", "logs", "stop", "start", "renew", "rm", "history", "projects", "platforms"]) {
      expect(help.stdout).toContain(command);
      const own = await cli(server, command, "--help");
      expect(own.code, command).toBe(0);
      expect(own.stdout, command).toContain("Usage: plateau");
    }
    expect(help.stdout).toContain("Exit codes");
  });

  it("keeps a repository a person can read: intent and rendered manifests side by side", async () => {
    const log = await git(repository, "log", "-p", "--reverse", "--format=%an: %s");
    expect(log).toContain(`launch ${PROJECT}/hello (static-site 1.0.0) on local`);
    expect(log).toContain(`+++ b/projects/${PROJECT}/instances/hello.yaml`);
    expect(log).toContain(`+++ b/rendered/local/${PROJECT}/hello/deployment-hello.yaml`);
    expect(log).toContain("-  replicas: 1\n+  replicas: 0");
    expect((await run("git", ["--git-dir", repository, "fsck", "--strict", "--no-progress"])).code).toBe(0);
    // No secret in the repository: the generated passwords live in the database only.
    expect(log).not.toMatch(/password: \S{20,}/i);
  });
});

if (unavailable) describe.skip(`local platform with podman (${unavailable})`, () => it("needs podman", () => {}));
