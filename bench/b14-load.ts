// B14's load generator, run as its own process (`node --import tsx bench/b14-load.ts`) so that
// the client shares no event loop with the balancer or the replicas it measures. Reads a plan
// (JSON) on stdin, writes what it measured (JSON) on stdout.
//
// Each virtual user is one person of the community with their own API token and projects. It
// reads in a closed loop (a request, its answer, the next), as a browser does; its writes
// (launches, stops, removals, each with an idempotency key) go out beside its reads, at most one
// at a time per person, so that a slow commit (the write lock, the push to the forge) does not
// stop a person's reading, as it does not in the portal.
import { randomUUID } from "node:crypto";
import { Agent, request } from "node:http";

export interface LoadUser {
  readonly token: string;
  readonly projects: readonly { readonly name: string; readonly instances: readonly string[] }[];
}

export interface LoadPlan {
  /**
   * `http://127.0.0.1:<port>`: a replica, the balancer, or the hello-world (then `hello` is set);
   * with several, virtual user k sends to the k-th (modulo), as clients spread by DNS would.
   */
  readonly targets: readonly string[];
  readonly users: readonly LoadUser[];
  readonly seconds: number;
  /** Of all requests sent, the share that are writes (launches, stops, removals). */
  readonly writeShare: number;
  /** Only GET /hello: the baseline. */
  readonly hello?: boolean;
  /** A prefix for the names of launched instances, unique per run. */
  readonly prefix: string;
}

export interface OperationResult {
  readonly count: number;
  readonly failed: number;
  /** Latencies in ms, sorted. */
  readonly p50: number;
  readonly p99: number;
  readonly statuses: Record<string, number>;
}

export interface LoadResult {
  readonly seconds: number;
  readonly requests: number;
  readonly failed: number;
  readonly operations: Record<string, OperationResult>;
}

const READS = [
  { name: "GET /me", weight: 15 },
  { name: "GET /projects (mine)", weight: 15 },
  { name: "GET /instances (mine)", weight: 10 },
  { name: "GET a project's instances", weight: 20 },
  { name: "GET an instance", weight: 25 },
  { name: "GET an instance's status", weight: 15 },
] as const;
const TOTAL_WEIGHT = READS.reduce((sum, read) => sum + read.weight, 0);

/** xorshift: the same choices for the same virtual user in every phase. */
function generator(seed: number): () => number {
  let state = seed * 2654435761 + 1 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

export async function runLoad(plan: LoadPlan): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: plan.users.length * 2 });
  const latencies = new Map<string, number[]>();
  const failures = new Map<string, number>();
  const statuses = new Map<string, Map<number, number>>();

  function send(target: URL, operation: string, method: string, path: string, token: string | undefined, body?: unknown, key?: string): Promise<number> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const start = performance.now();
    return new Promise((resolve) => {
      const outgoing = request(
        {
          host: target.hostname,
          port: target.port,
          method,
          path,
          agent,
          headers: {
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(key ? { "idempotency-key": key } : {}),
            ...(payload ? { "content-type": "application/json", "content-length": String(payload.length) } : {}),
          },
        },
        (response) => {
          response.on("data", () => {});
          response.on("end", () => finish(response.statusCode ?? 0));
          response.on("error", () => finish(0));
        },
      );
      outgoing.on("error", () => finish(0));
      outgoing.end(payload);
      function finish(status: number): void {
        const elapsed = performance.now() - start;
        if (!latencies.has(operation)) latencies.set(operation, []);
        latencies.get(operation)?.push(elapsed);
        const byStatus = statuses.get(operation) ?? new Map<number, number>();
        byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
        statuses.set(operation, byStatus);
        if (status === 0 || status >= 500) failures.set(operation, (failures.get(operation) ?? 0) + 1);
        resolve(status);
      }
    });
  }

  const deadline = performance.now() + plan.seconds * 1000;
  const startedAt = performance.now();
  const writes: Promise<unknown>[] = [];

  async function virtualUser(user: LoadUser, index: number): Promise<void> {
    const next = generator(index + 1);
    const target = new URL(plan.targets[index % plan.targets.length] as string);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
    const launched: { project: string; name: string; stopped: boolean }[] = [];
    let writing = false;
    let sequence = 0;
    let reads = 0;
    let written = 0;
    const write = async (): Promise<void> => {
      writing = true;
      try {
        const choice = next();
        const mine = launched.filter((instance) => instance.project !== "");
        if (mine.length === 0 || choice < 0.5) {
          const project = pick(user.projects).name;
          const name = `${plan.prefix}${index}x${sequence++}`;
          const status = await send(
            target,
            "POST launch",
            "POST",
            `/api/v1/projects/${project}/instances`,
            user.token,
            { template: "static-site", name, values: { size: "small" } },
            randomUUID(),
          );
          if (status === 201 || status === 202) launched.push({ project, name, stopped: false });
        } else if (choice < 0.75) {
          const instance = pick(mine);
          await send(
            target,
            instance.stopped ? "POST start" : "POST stop",
            "POST",
            `/api/v1/projects/${instance.project}/instances/${instance.name}/${instance.stopped ? "start" : "stop"}`,
            user.token,
            undefined,
            randomUUID(),
          );
          instance.stopped = !instance.stopped;
        } else {
          const instance = pick(mine);
          const status = await send(
            target,
            "DELETE remove",
            "DELETE",
            `/api/v1/projects/${instance.project}/instances/${instance.name}`,
            user.token,
            undefined,
            randomUUID(),
          );
          if (status === 202) launched.splice(launched.indexOf(instance), 1);
        }
      } finally {
        writing = false;
      }
    };
    while (performance.now() < deadline) {
      if (plan.hello) {
        await send(target, "GET /hello", "GET", "/hello", undefined);
        continue;
      }
      // Writes keep their share of all requests sent by this person.
      if (!writing && written < (reads + written) * plan.writeShare) {
        written++;
        writes.push(write());
      }
      reads++;
      let roll = next() * TOTAL_WEIGHT;
      const read = READS.find((candidate) => (roll -= candidate.weight) < 0) ?? READS[0];
      const project = pick(user.projects);
      const instance = pick(project.instances);
      switch (read.name) {
        case "GET /me":
          await send(target, read.name, "GET", "/api/v1/me", user.token);
          break;
        case "GET /projects (mine)":
          await send(target, read.name, "GET", "/api/v1/projects", user.token);
          break;
        case "GET /instances (mine)":
          await send(target, read.name, "GET", "/api/v1/instances", user.token);
          break;
        case "GET a project's instances":
          await send(target, read.name, "GET", `/api/v1/projects/${project.name}/instances`, user.token);
          break;
        case "GET an instance":
          await send(target, read.name, "GET", `/api/v1/projects/${project.name}/instances/${instance}`, user.token);
          break;
        case "GET an instance's status":
          await send(target, read.name, "GET", `/api/v1/projects/${project.name}/instances/${instance}/status`, user.token);
          break;
      }
    }
  }

  await Promise.all(plan.users.map(virtualUser));
  const elapsed = (performance.now() - startedAt) / 1000;
  await Promise.all(writes);
  agent.destroy();
  const operations: Record<string, OperationResult> = {};
  let requests = 0;
  let failed = 0;
  for (const [name, values] of [...latencies].sort(([a], [b]) => a.localeCompare(b))) {
    values.sort((a, b) => a - b);
    const at = (q: number) => values[Math.min(values.length - 1, Math.floor(q * values.length))] ?? Number.NaN;
    const count = values.length;
    const failedHere = failures.get(name) ?? 0;
    requests += count;
    failed += failedHere;
    operations[name] = {
      count,
      failed: failedHere,
      p50: at(0.5),
      p99: at(0.99),
      statuses: Object.fromEntries([...(statuses.get(name) ?? [])].sort(([a], [b]) => a - b).map(([status, n]) => [String(status), n])),
    };
  }
  return { seconds: elapsed, requests, failed, operations };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").at(-1) ?? "-")) {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const plan = JSON.parse(Buffer.concat(chunks).toString("utf8")) as LoadPlan;
  process.stdout.write(JSON.stringify(await runLoad(plan)));
}
