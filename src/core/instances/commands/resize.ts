// Resizing: one commit giving an instance other CPU and memory requests (the right-sizing
// advice of core/usage, or what a person asks), checked as a launch is — its values against
// the template's schema, placed (pinned where it runs: its largest pod must still fit), its
// quotas without what it holds now, a chart's preflight — and none when nothing changes.
// A built-in template is resized by its `size` preset (the smallest that gives what is asked);
// a Helm chart by its `resources.requests` values, as Onyxia's charts take them.
import { ConflictError, InputError } from "../../errors.js";
import type { Requester } from "../../identity.js";
import { serialize, type InstanceDocument, type PlatformDocument } from "../../model.js";
import { assertName } from "../../names.js";
import { place } from "../../placement/place.js";
import type { Template } from "../../catalog/template.js";
import { instancePath } from "../../repository/layout.js";
import { parseQuantity } from "../../tenancy/quota.js";
import type { ChangeResult } from "../types.js";
import type { SourceLaunch, Values } from "../sources/source.js";
import type { CommandContext } from "./context.js";

/** What a resize asks for: millicores and MiB per instance (all its containers); an absent one stays as it is. */
export interface ResizeTarget {
  readonly cpuMillicores?: number;
  readonly memoryMiB?: number;
}

export const RESIZE_BOUNDS = { cpuMillicores: { min: 10, max: 64_000 }, memoryMiB: { min: 16, max: 1_048_576 } } as const;

/** A resize's quantities read and bounded; an InputError names the field and the rule. */
export function resizeTargetOf(input: { readonly cpu?: string; readonly memory?: string }): ResizeTarget {
  const target: { cpuMillicores?: number; memoryMiB?: number } = {};
  if (input.cpu !== undefined) {
    const cores = parseQuantity(input.cpu);
    if (cores === undefined) throw InputError.field("/cpu", "quantity", `cpu: ${JSON.stringify(input.cpu)} is not a Kubernetes quantity (250m, 1, 1.5)`);
    const millicores = Math.round(cores * 1000);
    const { min, max } = RESIZE_BOUNDS.cpuMillicores;
    if (millicores < min || millicores > max) throw InputError.field("/cpu", "range", `cpu: ${input.cpu} is outside ${min}m–${max / 1000}`);
    target.cpuMillicores = millicores;
  }
  if (input.memory !== undefined) {
    const bytes = parseQuantity(input.memory);
    if (bytes === undefined) throw InputError.field("/memory", "quantity", `memory: ${JSON.stringify(input.memory)} is not a Kubernetes quantity (512Mi, 2Gi)`);
    const mib = Math.ceil(bytes / (1024 * 1024));
    const { min, max } = RESIZE_BOUNDS.memoryMiB;
    if (mib < min || mib > max) throw InputError.field("/memory", "range", `memory: ${input.memory} is outside ${min}Mi–${max / 1024}Gi`);
    target.memoryMiB = mib;
  }
  if (target.cpuMillicores === undefined && target.memoryMiB === undefined)
    throw InputError.field("/cpu", "required", "give cpu, memory, or both (or ask for the advice)");
  return target;
}

const notResizable = (ref: string, why: string) =>
  new ConflictError(`${ref} cannot be resized: ${why}`, { reason: "not-resizable", params: { instance: ref } });

/** A template's sizes with what each gives the whole instance (millicores, MiB), smallest first. */
export function templateSizes(template: Template): { name: string; cpuMillicores: number; memoryMiB: number }[] {
  return Object.entries(template.spec.sizes)
    .map(([name, components]) => {
      let cpu = 0;
      let memory = 0;
      for (const resources of Object.values(components)) {
        cpu += parseQuantity(resources.cpu) ?? 0;
        memory += parseQuantity(resources.memory) ?? 0;
      }
      return { name, cpuMillicores: Math.round(cpu * 1000), memoryMiB: Math.ceil(memory / (1024 * 1024)) };
    })
    .sort((a, b) => a.cpuMillicores - b.cpuMillicores || a.memoryMiB - b.memoryMiB || (a.name < b.name ? -1 : 1));
}

/** The size preset a resize of a template instance chooses: the smallest that gives what is asked (the current one's for what is not asked). */
export function sizeFor(template: Template, current: string, target: ResizeTarget, ref: string): string {
  const sizes = templateSizes(template);
  const now = sizes.find((size) => size.name === current);
  const cpu = target.cpuMillicores ?? now?.cpuMillicores ?? 0;
  const memory = target.memoryMiB ?? now?.memoryMiB ?? 0;
  const chosen = sizes.find((size) => size.cpuMillicores >= cpu && size.memoryMiB >= memory);
  if (!chosen) {
    const largest = sizes[sizes.length - 1];
    throw InputError.field(
      target.cpuMillicores !== undefined && (largest?.cpuMillicores ?? 0) < cpu ? "/cpu" : "/memory",
      "maximum",
      `${ref}: no size of ${template.spec.id} gives ${cpu}m CPU and ${memory}Mi memory; the largest (${largest?.name ?? "none"}) gives ${largest?.cpuMillicores ?? 0}m and ${largest?.memoryMiB ?? 0}Mi`,
    );
  }
  void ref;
  return chosen.name;
}

const isObject = (value: unknown): value is Values => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * A quantity written as the chart writes it now (its form's slider has a unit: Onyxia's take CPU
 * in `m` and memory in whole `Gi`): memory rounded up to that unit, never down.
 */
function cpuLike(current: unknown, millicores: number): string {
  if (typeof current === "string" && current.endsWith("m")) return `${millicores}m`;
  return millicores % 1000 === 0 ? String(millicores / 1000) : `${millicores}m`;
}
function memoryLike(current: unknown, mib: number): string {
  if (typeof current === "string" && current.endsWith("Gi")) return `${Math.ceil(mib / 1024)}Gi`;
  if (typeof current === "string" && current.endsWith("Mi")) return `${mib}Mi`;
  return mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`;
}

/** A chart's values with other requests (`resources.requests.cpu|memory`, in the units it uses), when its values have such requests. */
export function chartValuesResized(own: Values, full: Values, target: ResizeTarget, ref: string): Values {
  const requests = isObject(full.resources) && isObject(full.resources.requests) ? full.resources.requests : undefined;
  if (!requests) throw notResizable(ref, "its chart's values have no resources.requests");
  const ownResources = isObject(own.resources) ? own.resources : {};
  const ownRequests = isObject(ownResources.requests) ? ownResources.requests : {};
  return {
    ...own,
    resources: {
      ...ownResources,
      requests: {
        ...ownRequests,
        ...(target.cpuMillicores !== undefined ? { cpu: cpuLike(requests.cpu, target.cpuMillicores) } : {}),
        ...(target.memoryMiB !== undefined ? { memory: memoryLike(requests.memory, target.memoryMiB) } : {}),
      },
    },
  };
}

export function resizeCommands(ctx: CommandContext) {
  const { deps } = ctx;

  return {
    /**
     * Gives an instance other CPU and memory requests in one commit (none when they are those
     * it has): checked as a launch is, on the platform where it runs. `reason` goes in the message (the advice it follows).
     */
    async resize(project: string, name: string, target: ResizeTarget, requester: Requester, key?: string, reason?: string): Promise<ChangeResult> {
      assertName("/project", project);
      assertName("/name", name);
      const ref = `${project}/${name}`;
      const id = ctx.idOf(key, requester, "resize", ref);
      return ctx.changeOnce(id, project, name, async (head) => {
        const intent = await ctx.intentAt(head, project, name);
        if (!head) throw new ConflictError("the desired-state repository has not been initialized", { reason: "repository-not-initialized" });
        const source = await ctx.sources.sourceFor(intent.spec.template);
        const platforms = await ctx.platformsAt(head);
        const at = intent.placement.platform;
        const platform = platforms.find((p) => p.metadata.name === at) as PlatformDocument;
        const owner = intent.metadata.createdBy;
        const base: SourceLaunch = {
          request: { template: intent.spec.template, project, name, platform: at },
          requester: { login: owner, name: owner, email: `${owner}@users.plateau.invalid` },
        };
        // Resized as it runs (a stopped instance's replicas as they were), then stopped again.
        const runningSpec = intent.spec.state === "running" ? intent.spec : { ...intent.spec, ...(await source.withState(intent.spec, "running", ref)) };
        const carried = await source.moved(runningSpec, { launch: base, from: platform });
        let values: Values;
        if (source.kind === "template") {
          const template = await deps.catalog.get(intent.spec.template);
          if (!template || typeof carried.values.size !== "string") throw notResizable(ref, "its template has no size");
          values = { ...carried.values, size: sizeFor(template, carried.values.size, target, ref) };
          // The size it has: nothing to change (not even its template's version, which a start would take).
          if (values.size === carried.values.size) return null;
        } else {
          values = chartValuesResized(carried.values, runningSpec.values, target, ref);
          // The requests it has: nothing to change (preparing its values again would draw another host where the chart draws one).
          const asked = (values.resources as { requests: Values }).requests;
          const current = (runningSpec.values.resources as { requests: Values }).requests;
          if (
            asked.cpu === (target.cpuMillicores === undefined ? asked.cpu : current.cpu) &&
            asked.memory === (target.memoryMiB === undefined ? asked.memory : current.memory)
          )
            return null;
        }
        const launch: SourceLaunch = { ...base, request: { ...base.request, values, version: carried.templateVersion ?? intent.spec.templateVersion } };
        const resolved = await source.launchValues(launch);
        // Pinned where it runs: its largest pod must still fit a pool there.
        place(
          await ctx.placementRequest(head, { project, name, platform: at }, source, resolved),
          await ctx.candidatesAt(platforms, project),
          deps.placementPolicy,
        );
        const { rendered: _previous, stop: _stop, ...kept } = runningSpec;
        const { secrets, ...placed } = await source.placed(launch, resolved, platform);
        let spec: InstanceDocument["spec"] = { ...kept, ...placed, state: intent.spec.state };
        if (spec.state !== "running") spec = { ...spec, ...(await source.withState(spec, spec.state, ref)) };
        const next: InstanceDocument = { ...intent, spec };
        if (serialize(next) === serialize(intent)) return null;
        const { changes, asks } = source.render(next, platform);
        if (spec.state === "running") await deps.tenancy.check(head, project, asks, { project, name });
        if (secrets && Object.keys(secrets).length > 0) {
          if (!deps.secrets) throw new Error("the instance service was given no secret store, and this resize carries passwords");
          await deps.secrets.put(project, name, secrets);
        }
        const asked = [
          target.cpuMillicores !== undefined ? `CPU ${target.cpuMillicores}m` : "",
          target.memoryMiB !== undefined ? `memory ${target.memoryMiB}Mi` : "",
        ]
          .filter(Boolean)
          .join(", ");
        return {
          author: requester,
          message: `resize ${ref} to ${asked}\n\nRequested by ${requester.login}.${reason ? ` ${reason}` : ""}`,
          trailers: ctx.trailersOf("resize", ref, at, id),
          changes: [{ path: instancePath(project, name), content: serialize(next) }, ...changes],
        };
      });
    },
  };
}
