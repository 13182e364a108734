// The local engine: podman on this machine, driven through `podman kube play` with the
// manifests adapted by adapt.ts. What runs is found again from podman itself (labels on pods
// and volumes), so a restart of Plateau converges from what is, not from what it remembers.
import { spawn } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import type { Logger } from "../../core/ports/logger.js";
import type { ApplyOptions, DesiredUnit, Engine, EngineAvailability, LogOptions, ObservedUnit } from "../../core/ports/engine.js";
import { toYaml } from "../../core/yaml.js";
import { lastLine, run, runChecked } from "../process.js";
import { freeLoopbackPort } from "../net.js";
import { adaptForPodman, LABELS, podName, hostSecretName } from "./adapt.js";
import { generatedSecretName } from "../../core/render/render.js";

export interface PodmanEngineParams {
  readonly podman?: string;
  /** Where the adapted pod files are written (no secret is in them). */
  readonly runtimeDir: string;
  /** Grace period given to workloads when they are stopped, in seconds. */
  readonly stopTimeoutSeconds?: number;
  /** How long an applied unit may take to answer before it is reported as failed. */
  readonly startupTimeoutMs?: number;
  readonly logger: Logger;
}

export const PODMAN_INSTALL_HINT = "install podman: sudo apt-get install podman runc (see docs/podman.md)";

interface PodJson {
  Name: string;
  Status: string;
  Labels?: Record<string, string>;
  Containers?: { Id: string; Names: string; Status: string }[];
}
interface VolumeJson {
  Name: string;
  Labels?: Record<string, string>;
}
interface ContainerJson {
  Names?: string[];
  State?: string;
  ExitCode?: number;
  Labels?: Record<string, string>;
  PodName?: string;
}

/** The labels by which podman objects are found again: Plateau's, and whose. */
const ownerLabels = (project: string, instance: string): string[] => [
  "--label",
  `${LABELS.managed}=true`,
  "--label",
  `${LABELS.project}=${project}`,
  "--label",
  `${LABELS.instance}=${instance}`,
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An HTTP request to the endpoint; true when it answers (2xx/3xx when a readiness path is set). */
export function probe(endpoint: string, path: string | undefined, timeoutMs = 1000): Promise<boolean> {
  const [host, port] = endpoint.split(":");
  return new Promise((resolve) => {
    const req = request(
      { host, port: Number(port), path: path ?? "/", method: "GET", timeout: timeoutMs, headers: { "user-agent": "plateau-probe" } },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        resolve(path === undefined ? status > 0 : status >= 200 && status < 400);
      },
    );
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
    req.end();
  });
}

export function createPodmanEngine(params: PodmanEngineParams): Engine {
  const podman = params.podman ?? "podman";
  const stopTimeout = String(params.stopTimeoutSeconds ?? 10);
  const startupTimeoutMs = params.startupTimeoutMs ?? 300_000;
  const { logger } = params;
  let cachedAvailability: { at: number; value: EngineAvailability } | undefined;
  // Images seen present recently: looking again costs a podman run per image and launch.
  const presentImages = new Map<string, number>();
  const IMAGE_MEMORY_MS = 10 * 60_000;

  const json = async <T>(args: string[]): Promise<T> => JSON.parse((await runChecked(podman, args)).toString("utf8") || "[]") as T;

  async function managedPods(): Promise<PodJson[]> {
    return json<PodJson[]>(["pod", "ps", "--filter", `label=${LABELS.managed}=true`, "--format", "json"]);
  }

  async function removePod(name: string): Promise<void> {
    // Stop first with the grace period, then remove: `pod rm -f -t` waits longer on podman 4.3.
    await run(podman, ["pod", "stop", "--ignore", "-t", stopTimeout, name]);
    const removed = await run(podman, ["pod", "rm", "--ignore", "-f", name]);
    if (removed.code !== 0) throw new Error(`podman could not remove pod ${name}: ${lastLine(removed.stderr)}`);
  }

  async function failureReason(pod: string): Promise<string> {
    const containers = await json<ContainerJson[]>(["ps", "-a", "--filter", `pod=${pod}`, "--format", "json"]).catch(() => [] as ContainerJson[]);
    const exited = containers.find((container) => container.State === "exited" && container.Labels?.[LABELS.managed] === "true");
    if (!exited) return `pod ${pod} is not running`;
    const name = exited.Names?.[0] ?? "a container";
    const logs = await run(podman, ["logs", "--tail", "3", name]);
    const tail = lastLine(`${logs.stdout.toString("utf8")}\n${logs.stderr}`);
    return `container ${name.replace(`${pod}-`, "")} exited with code ${exited.ExitCode ?? "?"}: ${tail}`;
  }

  async function observeUnits(): Promise<ObservedUnit[]> {
    const [pods, volumes] = await Promise.all([
      managedPods(),
      json<VolumeJson[]>(["volume", "ls", "--filter", `label=${LABELS.managed}=true`, "--format", "json"]),
    ]);
    const units = new Map<string, ObservedUnit>();
    for (const pod of pods) {
      const labels = pod.Labels ?? {};
      const project = labels[LABELS.project];
      const instance = labels[LABELS.instance];
      if (!project || !instance) continue;
      const endpoint = labels[LABELS.endpoint] ?? null;
      let phase: ObservedUnit["phase"];
      let reason = "";
      if (pod.Status === "Running") {
        const ready = endpoint === null || (await probe(endpoint, labels[LABELS.readiness]));
        phase = ready ? "running" : "starting";
        if (!ready) reason = `waiting for ${endpoint} to answer`;
      } else {
        phase = "failed";
        reason = pod.Status === "Degraded" || pod.Status === "Exited" ? await failureReason(pod.Name) : `pod is ${pod.Status.toLowerCase()}`;
      }
      units.set(`${project}/${instance}`, {
        project,
        instance,
        hash: labels[LABELS.hash] ?? null,
        phase,
        reason,
        endpoint: phase === "running" ? endpoint : null,
      });
    }
    for (const volume of volumes) {
      const project = volume.Labels?.[LABELS.project];
      const instance = volume.Labels?.[LABELS.instance];
      if (!project || !instance || units.has(`${project}/${instance}`)) continue;
      units.set(`${project}/${instance}`, { project, instance, hash: null, phase: "stopped", reason: "stopped; its data is kept", endpoint: null });
    }
    return [...units.values()];
  }

  async function missingImagesOf(images: readonly string[]): Promise<string[]> {
    const now = Date.now();
    const unknown = images.filter((image) => now - (presentImages.get(image) ?? 0) > IMAGE_MEMORY_MS);
    const present = await Promise.all(unknown.map(async (image) => (await run(podman, ["image", "exists", image])).code === 0));
    unknown.forEach((image, i) => present[i] && presentImages.set(image, now));
    return unknown.filter((_, i) => !present[i]);
  }

  async function pullImages(images: readonly string[], options: ApplyOptions): Promise<void> {
    for (const image of images) {
      options.progress(`pulling image ${image}`);
      const pulled = await run(podman, ["pull", "--quiet", image], { signal: options.signal });
      if (pulled.code !== 0) throw new Error(`image ${image} could not be pulled: ${lastLine(pulled.stderr)}`);
    }
  }

  async function ensureVolumes(volumes: readonly string[], project: string, instance: string): Promise<void> {
    for (const volume of volumes) {
      if ((await run(podman, ["volume", "exists", volume])).code === 0) continue;
      const created = await run(podman, ["volume", "create", ...ownerLabels(project, instance), volume]);
      if (created.code !== 0 && (await run(podman, ["volume", "exists", volume])).code !== 0)
        throw new Error(`podman could not create volume ${volume}: ${lastLine(created.stderr)}`);
    }
  }

  async function writeSecret(secret: { name: string; data: Readonly<Record<string, string>> }, project: string, instance: string): Promise<void> {
    // podman reads a secretKeyRef's secret as a JSON map of base64 values.
    const content = JSON.stringify(Object.fromEntries(Object.entries(secret.data).map(([key, value]) => [key, Buffer.from(value, "utf8").toString("base64")])));
    // podman accepts `-` only from a real pipe (Node gives it a socket): use a private file, removed at once.
    await mkdir(params.runtimeDir, { recursive: true, mode: 0o700 });
    const file = join(params.runtimeDir, `${secret.name}.secret`);
    await writeFile(file, content, { mode: 0o600 });
    try {
      await run(podman, ["secret", "rm", secret.name]);
      await runChecked(podman, ["secret", "create", ...ownerLabels(project, instance), secret.name, file]);
    } finally {
      await rm(file, { force: true });
    }
  }

  async function waitUntilServing(pod: string, endpoint: string | undefined, readinessPath: string | undefined, options: ApplyOptions): Promise<void> {
    const deadline = Date.now() + startupTimeoutMs;
    if (endpoint) options.progress(`waiting for the application to answer`);
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      if (options.signal?.aborted) throw new Error("aborted");
      if (endpoint && (await probe(endpoint, readinessPath, 2000))) return;
      // Look at the pod itself now and then: a crashed container will not start answering.
      if (!endpoint || attempt % 50 === 49) {
        const [state] = await json<PodJson[]>(["pod", "ps", "--filter", `name=^${pod.replaceAll(".", "\\.")}$`, "--format", "json"]);
        if (!state) throw new Error(`pod ${pod} disappeared while starting`);
        if (state.Status === "Degraded" || state.Status === "Exited" || state.Status === "Error") throw new Error(await failureReason(pod));
        if (!endpoint && state.Status === "Running") return;
      }
      // Most applications answer within a second: look often at first, then less.
      await sleep(attempt < 200 ? 5 : attempt < 300 ? 50 : 250);
    }
    throw new Error(`the application did not answer within ${Math.round(startupTimeoutMs / 1000)}s`);
  }

  return {
    async availability() {
      if (cachedAvailability && Date.now() - cachedAvailability.at < 15_000) return cachedAvailability.value;
      let value: EngineAvailability;
      try {
        const result = await run(podman, ["version", "--format", "{{.Client.Version}}"], { timeoutMs: 15_000 });
        value =
          result.code === 0
            ? { available: true, version: `podman ${result.stdout.toString("utf8").trim()}` }
            : { available: false, reason: `podman does not work: ${lastLine(result.stderr)}`, hint: "see docs/podman.md" };
      } catch (error) {
        const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
        value = { available: false, reason: missing ? "podman is not installed" : (error as Error).message, hint: PODMAN_INSTALL_HINT };
      }
      if (!cachedAvailability || cachedAvailability.value.available !== value.available)
        logger.info({ ...value }, value.available ? "podman is available" : "podman is unavailable");
      cachedAvailability = { at: Date.now(), value };
      return value;
    },

    observe: observeUnits,

    async apply(unit: DesiredUnit, options: ApplyOptions): Promise<ObservedUnit> {
      const hostPort = await freeLoopbackPort();
      const plan = adaptForPodman({
        project: unit.project,
        instance: unit.instance,
        hash: unit.hash,
        objects: unit.objects,
        secrets: options.secrets,
        hostPort,
      });
      const name = plan.podName;
      // Independent lookups run together, and none when the caller knows nothing runs: each
      // podman command costs tens of milliseconds, a noticeable part of a launch.
      const knownAbsent = options.observed === null || (options.observed !== undefined && options.observed.hash === null);
      const [pods, missingImages] = await Promise.all([
        knownAbsent ? Promise.resolve([]) : managedPods(),
        plan.stopped ? Promise.resolve([]) : missingImagesOf(plan.images),
      ]);
      const current = pods.find((pod) => pod.Name === name);
      if (plan.stopped) {
        if (current) await removePod(name);
        await ensureVolumes(plan.volumes, unit.project, unit.instance);
        return { project: unit.project, instance: unit.instance, hash: null, phase: "stopped", reason: "stopped; its data is kept", endpoint: null };
      }
      // The same revision already running and serving: nothing to do (idempotent).
      if (current && current.Labels?.[LABELS.hash] === unit.hash && current.Status === "Running") {
        const endpoint = current.Labels[LABELS.endpoint];
        if (!endpoint || (await probe(endpoint, current.Labels[LABELS.readiness]))) {
          return { project: unit.project, instance: unit.instance, hash: unit.hash, phase: "running", reason: "", endpoint: endpoint ?? null };
        }
      }
      await pullImages(missingImages, options);
      if (current) {
        options.progress("replacing the previous revision");
        await removePod(name);
      }
      await ensureVolumes(plan.volumes, unit.project, unit.instance);
      if (plan.secret) await writeSecret(plan.secret, unit.project, unit.instance);

      await mkdir(params.runtimeDir, { recursive: true });
      const file = join(params.runtimeDir, `${name}.yaml`);
      await writeFile(file, toYaml(plan.pod), { mode: 0o600 });
      options.progress("starting the pod");
      let played = await run(podman, ["kube", "play", "--quiet", file]);
      if (played.code !== 0 && /already exists/.test(played.stderr) && knownAbsent) {
        // The caller's view was stale: a pod of this instance exists. Replace it.
        options.progress("replacing the previous revision");
        await removePod(name);
        played = await run(podman, ["kube", "play", "--quiet", file]);
      }
      if (played.code !== 0) {
        // kube play is not atomic: never leave a half-created pod behind.
        await run(podman, ["pod", "rm", "--ignore", "-f", name]);
        throw new Error(`podman could not start the pod: ${lastLine(played.stderr)}`);
      }
      const endpoint = plan.exposedPort !== undefined ? `127.0.0.1:${hostPort}` : undefined;
      await waitUntilServing(name, endpoint, plan.readinessPath, options);
      return { project: unit.project, instance: unit.instance, hash: unit.hash, phase: "running", reason: "", endpoint: endpoint ?? null };
    },

    async stop(project, instance) {
      await removePod(podName(project, instance));
    },

    async remove(project, instance) {
      const name = podName(project, instance);
      await removePod(name);
      const volumes = await json<VolumeJson[]>([
        "volume",
        "ls",
        "--filter",
        `label=${LABELS.project}=${project}`,
        "--filter",
        `label=${LABELS.instance}=${instance}`,
        "--format",
        "json",
      ]);
      for (const volume of volumes) {
        const removed = await run(podman, ["volume", "rm", "--force", volume.Name]);
        if (removed.code !== 0) throw new Error(`podman could not remove volume ${volume.Name}: ${lastLine(removed.stderr)}`);
      }
      await run(podman, ["secret", "rm", hostSecretName(project, generatedSecretName(instance))]);
      await rm(join(params.runtimeDir, `${name}.yaml`), { force: true });
    },

    async *logs(project: string, instance: string, options: LogOptions): AsyncIterable<string> {
      const name = podName(project, instance);
      const pods = await managedPods();
      const pod = pods.find((candidate) => candidate.Name === name);
      if (!pod) {
        yield `(${project}/${instance} has no running workload)\n`;
        return;
      }
      // `podman pod logs` prefixes lines with container ids: show component names instead.
      const names = new Map((pod.Containers ?? []).map((container) => [container.Id.slice(0, 12), container.Names.replace(`${name}-`, "")]));
      const args = ["pod", "logs", "--tail", String(options.tail), ...(options.follow ? ["--follow"] : []), name];
      const child = spawn(podman, args, { stdio: ["ignore", "pipe", "pipe"] });
      const abort = () => child.kill("SIGTERM");
      options.signal?.addEventListener("abort", abort);
      let pending = "";
      const rename = (line: string) => {
        const id = line.slice(0, 12);
        const component = names.get(id);
        return component ? `${component} |${line.slice(12)}` : line;
      };
      try {
        const merged = mergeStreams(child.stdout, child.stderr);
        for await (const chunk of merged) {
          pending += chunk;
          const lines = pending.split("\n");
          pending = lines.pop() ?? "";
          const text = lines
            .filter((line) => !line.startsWith("failed to connect to syslog"))
            .map((line) => `${rename(line)}\n`)
            .join("");
          if (text) yield text;
        }
        if (pending) yield `${rename(pending)}\n`;
      } finally {
        options.signal?.removeEventListener("abort", abort);
        if (child.exitCode === null) child.kill("SIGTERM");
      }
    },
  };
}

/** Both output streams of a process as one sequence of text chunks. */
async function* mergeStreams(...streams: NodeJS.ReadableStream[]): AsyncIterable<string> {
  const queue: string[] = [];
  let open = streams.length;
  let wake: (() => void) | undefined;
  for (const stream of streams) {
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      queue.push(chunk);
      wake?.();
    });
    stream.on("end", () => {
      open--;
      wake?.();
    });
  }
  for (;;) {
    while (queue.length > 0) yield queue.shift() as string;
    if (open === 0) return;
    await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
  }
}
