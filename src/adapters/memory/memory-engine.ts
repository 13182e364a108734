// An in-memory engine for fast tests of the reconciler and the API. It enforces the same
// refusals as the podman engine (shared host safety) and passes the same contract suite.
import type { ApplyOptions, DesiredUnit, Engine, EngineAvailability, ObservedUnit } from "../../core/ports/engine.js";
import { wantsToRun } from "../../core/render/kube.js";
import { unsafeFeatures } from "../podman/adapt.js";

interface MemoryUnit {
  project: string;
  instance: string;
  hash: string | null;
  phase: ObservedUnit["phase"];
  endpoint: string | null;
  unit: DesiredUnit | null;
  secrets: ApplyOptions["secrets"];
  logs: string[];
}

export interface MemoryEngine extends Engine {
  /** The next apply of this instance fails with this message. */
  failNext(instance: string, message: string): void;
  setAvailability(availability: EngineAvailability): void;
  /** Simulates a crash of a workload. */
  crash(project: string, instance: string, reason: string): void;
  /** What a request to an endpoint would get (the marker of the unit and its secrets). */
  serve(endpoint: string, path?: string): string | undefined;
  applied(): number;
}

export function createMemoryEngine(): MemoryEngine {
  const units = new Map<string, MemoryUnit>();
  const failures = new Map<string, string>();
  let availability: EngineAvailability = { available: true, version: "memory" };
  let nextPort = 20000;
  let applies = 0;
  const key = (project: string, instance: string) => `${project}/${instance}`;

  const observe = (unit: MemoryUnit): ObservedUnit => ({
    project: unit.project,
    instance: unit.instance,
    hash: unit.hash,
    phase: unit.phase,
    reason: unit.phase === "running" ? "" : unit.phase,
    endpoint: unit.endpoint,
  });

  return {
    async availability() {
      return availability;
    },
    async observe() {
      return [...units.values()].map(observe);
    },
    async apply(unit, options) {
      const problems = unsafeFeatures(unit.objects);
      if (problems.length > 0) throw new Error(`refused: ${problems.join("; ")}`);
      const failure = failures.get(unit.instance);
      if (failure) {
        failures.delete(unit.instance);
        throw new Error(failure);
      }
      applies++;
      options.progress("starting", "starting");
      const existing = units.get(key(unit.project, unit.instance));
      const running = wantsToRun(unit.objects);
      const state: MemoryUnit = {
        project: unit.project,
        instance: unit.instance,
        hash: running ? unit.hash : null,
        phase: running ? "running" : "stopped",
        endpoint: running ? (existing?.endpoint ?? `127.0.0.1:${nextPort++}`) : null,
        unit,
        secrets: options.secrets,
        logs: [...(existing?.logs ?? []), `started ${unit.hash}`],
      };
      units.set(key(unit.project, unit.instance), state);
      return observe(state);
    },
    async stop(project, instance) {
      const unit = units.get(key(project, instance));
      if (!unit) return;
      Object.assign(unit, { hash: null, phase: "stopped", endpoint: null });
      unit.logs.push("stopped");
    },
    async remove(project, instance) {
      units.delete(key(project, instance));
    },
    async *logs(project, instance, options) {
      const unit = units.get(key(project, instance));
      for (const line of unit?.logs ?? []) yield `${line}\n`;
      // Followed: the stream stays open until the reader leaves, as a real engine's does.
      const signal = options.signal;
      if (options.follow && signal && !signal.aborted) await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
    },
    failNext(instance, message) {
      failures.set(instance, message);
    },
    setAvailability(next) {
      availability = next;
    },
    crash(project, instance, reason) {
      const unit = units.get(key(project, instance));
      if (unit) Object.assign(unit, { phase: "failed", endpoint: null });
      unit?.logs.push(reason);
    },
    serve(endpoint, path = "/") {
      const unit = [...units.values()].find((u) => u.endpoint === endpoint);
      if (!unit?.unit) return undefined;
      const marker = JSON.stringify(unit.unit.objects);
      if (path === "/secret.txt")
        return Object.values(unit.secrets)
          .flatMap((values) => Object.values(values))
          .join("\n");
      return marker;
    },
    applied() {
      return applies;
    },
  };
}
