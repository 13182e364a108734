// Which images a value may name. An image reference makes the platform connect to its
// registry (podman on this machine pulls it, again and again while it fails): a reference
// naming any host and port would let people probe the network from Plateau's machine. So an
// image value must come from an allowed registry, and never from a loopback, private or
// link-local address, whatever the allow-list says. Pure.
import { InputError, type InputIssue } from "../errors.js";
import { propertySchema, type Expression, type Template } from "./template.js";
import { included, isSet, valueAt } from "./values.js";

/** Docker Hub's names, and the name podman's own namespace of local images uses. */
export const DOCKER_HUB = "docker.io";
export const LOCAL_IMAGES = "localhost";
const HUB_ALIASES = new Set(["index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"]);

/** The registry an image reference pulls from: `host` or `host:port`, lowercase (Docker Hub for `name:tag`). */
export function registryOf(reference: string): string {
  const slash = reference.indexOf("/");
  const first = slash < 0 ? "" : reference.slice(0, slash);
  // As docker and podman read references: the first part is a registry when it has a dot or a
  // colon, or is `localhost`; otherwise the name is Docker Hub's.
  const registry = first.includes(".") || first.includes(":") || first.toLowerCase() === LOCAL_IMAGES ? first.toLowerCase() : DOCKER_HUB;
  return HUB_ALIASES.has(registry) ? DOCKER_HUB : registry;
}

/** `host:port` → host and port (`[v6]:port` too). */
function splitHost(registry: string): { host: string; port: string | undefined } {
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(registry);
  if (bracketed) return { host: bracketed[1] ?? "", port: bracketed[2] };
  const colon = registry.lastIndexOf(":");
  if (colon >= 0 && registry.indexOf(":") === colon) return { host: registry.slice(0, colon), port: registry.slice(colon + 1) };
  return { host: registry, port: undefined };
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function privateIpv4(address: string): boolean | undefined {
  const match = IPV4.exec(address);
  if (!match) return undefined;
  // A leading zero is octal to C's resolver (inet_aton): 0177.0.0.1 is 127.0.0.1 there.
  if (match.slice(1).some((part) => part.length > 1 && part.startsWith("0"))) return true;
  const [a, b] = [Number(match[1]), Number(match[2])];
  if (match.slice(1).some((part) => Number(part) > 255)) return true; // not an address: refused all the same
  return (
    a === 0 || // "this network": 0.0.0.0 reaches this machine
    a === 127 || // loopback
    a === 10 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254) // link-local (cloud metadata endpoints)
  );
}

/** An IPv6 address's eight 16-bit words, or undefined when it is not one. */
function ipv6Words(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const tail: number[] = [];
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const parts = (v4[2] as string).split(".").map(Number);
    if (parts.some((part) => part > 255)) return undefined;
    tail.push(((parts[0] as number) << 8) | (parts[1] as number), ((parts[2] as number) << 8) | (parts[3] as number));
    // What comes before ends with a colon: keep it when it is `::`, drop it otherwise.
    text = v4[1] as string;
    if (!text.endsWith("::")) text = text.slice(0, -1);
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const words = (half: string) => (half === "" ? [] : half.split(":"));
  const head = words(halves[0] as string);
  const rest = halves.length === 2 ? words(halves[1] as string) : [];
  if ([...head, ...rest].some((word) => !/^[0-9a-f]{1,4}$/.test(word))) return undefined;
  const given = head.length + rest.length + tail.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return undefined;
  const zeros = Array.from({ length: 8 - given }, () => 0);
  return [...head.map((word) => parseInt(word, 16)), ...zeros, ...rest.map((word) => parseInt(word, 16)), ...tail];
}

function privateIpv6(address: string): boolean | undefined {
  if (!address.includes(":")) return undefined;
  const words = ipv6Words(address);
  if (!words) return true; // not an address: refused all the same
  const [first = 0] = words;
  if (words.slice(0, 7).every((word) => word === 0) && (words[7] ?? 0) <= 1) return true; // :: and ::1
  // IPv4 inside IPv6: mapped ::ffff:a.b.c.d, compatible ::a.b.c.d, NAT64 64:ff9b::a.b.c.d, 6to4 2002:ab:cd::.
  const v4 = (high: number, low: number) => privateIpv4(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`) ?? true;
  const [, , , , , sixth = 0, high = 0, low = 0] = words;
  if (words.slice(0, 5).every((word) => word === 0) && (sixth === 0xffff || sixth === 0)) return v4(high, low);
  if (first === 0x64 && words[1] === 0xff9b && words.slice(2, 6).every((word) => word === 0)) return v4(high, low);
  if (first === 0x2002 && v4(words[1] ?? 0, words[2] ?? 0)) return true;
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80; // unique local fc00::/7, link-local fe80::/10
}

/** Why a registry can never be pulled from (a loopback, private or link-local address), or undefined. */
export function forbiddenRegistryProblem(registry: string): string | undefined {
  const split = splitHost(registry.toLowerCase());
  // A name with its root's dot (`localhost.`) is the same name to a resolver.
  const { host, port } = { ...split, host: split.host.endsWith(".") ? split.host.slice(0, -1) : split.host };
  if (host === LOCAL_IMAGES || host.endsWith(".localhost")) {
    // `localhost/name` is podman's namespace of images built on this machine; with a port, it is a server here.
    return port === undefined && host === LOCAL_IMAGES ? undefined : `${registry} is this machine`;
  }
  const v4 = privateIpv4(host);
  if (v4 !== undefined) return v4 ? `${registry} is a loopback, private or link-local address` : undefined;
  const v6 = privateIpv6(host);
  if (v6 !== undefined) return v6 ? `${registry} is a loopback, private or link-local address` : undefined;
  // Numbers that are not a plain address (127.1, 0x7f.0.0.1, 2130706433) may still be read as one.
  if (/^(0x[0-9a-f]*|\d+)(\.(0x[0-9a-f]*|\d*))*$/.test(host)) return `${registry} is not a plain address`;
  return undefined;
}

/** Why an image reference is refused (rule and message), or undefined when it may be pulled. */
export function imageReferenceProblem(reference: string, registries: readonly string[]): { rule: string; message: string } | undefined {
  const registry = registryOf(reference);
  const forbidden = forbiddenRegistryProblem(registry);
  if (forbidden) return { rule: "image-address", message: `must not name a registry on this machine or a private network (${forbidden})` };
  const allowed = new Set(registries.map((entry) => entry.toLowerCase()));
  if (!allowed.has(registry)) {
    const list = [...allowed].sort().join(", ");
    return { rule: "image-registry", message: `must come from an allowed registry (${list}), not ${registry}` };
  }
  return undefined;
}

/** The `$value` pointers an expression reads (its branches included). */
function pointersOf(expression: Expression): string[] {
  if (typeof expression !== "object") return [];
  if ("$value" in expression) return [expression.$value];
  if ("$concat" in expression) return expression.$concat.flatMap(pointersOf);
  if ("$if" in expression) return [...pointersOf(expression.then), ...(expression.else === undefined ? [] : pointersOf(expression.else))];
  return [];
}

/** The text of an image expression: the parts a reference is made of (values and literal text). */
function imageText(expression: Expression, values: unknown): string {
  if (typeof expression === "string") return expression;
  if (typeof expression === "number" || typeof expression === "boolean") return String(expression);
  if ("$value" in expression) {
    const value = valueAt(values, expression.$value);
    return typeof value === "string" || typeof value === "number" ? String(value) : "";
  }
  if ("$concat" in expression) return expression.$concat.map((part) => imageText(part, values)).join("");
  if ("$if" in expression) {
    // The renderer's truthiness (an empty list is not set): the branch checked is the one rendered.
    const branch = isSet(valueAt(values, expression.$if)) ? expression.then : expression.else;
    return branch === undefined ? "" : imageText(branch, values);
  }
  return "";
}

/**
 * The registries a catalog's own images come from (the defaults of its image values and the
 * images written in its templates), and podman's local images: the default allow-list.
 */
export function catalogRegistries(templates: readonly Template[]): string[] {
  const registries = new Set<string>([LOCAL_IMAGES]);
  for (const template of templates) {
    for (const component of template.spec.components) {
      for (const container of [component, ...(component.initContainers ?? [])]) {
        const pointers = pointersOf(container.image);
        if (pointers.length === 0) {
          const literal = imageText(container.image, {});
          if (literal) registries.add(registryOf(literal));
          continue;
        }
        for (const pointer of pointers) {
          const fallback = propertySchema(template.valuesSchema, pointer)?.default;
          if (typeof fallback === "string" && fallback) registries.add(registryOf(fallback));
        }
      }
    }
  }
  return [...registries].filter((registry) => forbiddenRegistryProblem(registry) === undefined).sort();
}

/**
 * Checks the images a launch (or a start) would pull, as its values make them: each image a
 * value names must be allowed. Throws an InputError naming the value (`/values/image`) and the
 * rule; images written in the template itself are the catalog's and are not checked.
 */
export function checkImageValues(template: Template, values: Readonly<Record<string, unknown>>, registries: readonly string[]): void {
  const issues: InputIssue[] = [];
  for (const component of template.spec.components) {
    if (!included(component, values)) continue;
    for (const container of [component, ...(component.initContainers ?? []).filter((init) => included(init, values))]) {
      const pointers = pointersOf(container.image);
      if (pointers.length === 0) continue;
      const reference = imageText(container.image, values);
      if (!reference) continue;
      const problem = imageReferenceProblem(reference, registries);
      if (!problem) continue;
      const pointer = `/values${pointers[0] as string}`;
      if (!issues.some((issue) => issue.pointer === pointer)) issues.push({ pointer, rule: problem.rule, message: problem.message });
    }
  }
  const first = issues[0];
  if (first) {
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
    throw new InputError(`invalid values for ${template.spec.id}: ${first.pointer} ${first.message} [${first.rule}]${more}`, issues);
  }
}
