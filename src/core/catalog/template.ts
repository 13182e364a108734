// A template is data (catalog/<id>/template.yaml + values.schema.json): adding one to the
// catalog is adding files, not code. This module defines and checks that data.
import { Type, type Static } from "typebox";
import { Value } from "typebox/value";
import { InputError, type InputIssue } from "../errors.js";
import { unescapePointerSegment } from "../../contracts/json.js";
import { ReclaimPolicySchema } from "../model.js";

const Localized = Type.Object({ en: Type.String({ minLength: 1 }), fr: Type.String({ minLength: 1 }) }, { additionalProperties: false });
const Label = Type.String({ pattern: "^[a-z]([-a-z0-9]*[a-z0-9])?$", maxLength: 30 });
const Pointer = Type.String({ pattern: "^(/[^/]+)+$" });

/**
 * An expression computes one string from the instance's values and context. It is data
 * (`{ $value: /image }`), evaluated by `expressions.ts`: never text substitution.
 */
export type Expression =
  | string
  | number
  | boolean
  | { $value: string }
  | { $secret: string }
  | { $host: string }
  | { $instance: "name" | "project" | "host" | "url" }
  | { $concat: Expression[] }
  | { $if: string; then: Expression; else?: Expression };

/** In `command` and `args` only: the items of an array value, each one argument. */
export interface EachExpression {
  $each: string;
}
export type ArgumentExpression = Expression | EachExpression;

const ExpressionSchema = Type.Cyclic(
  {
    Expression: Type.Union([
      Type.String(),
      Type.Number(),
      Type.Boolean(),
      Type.Object({ $value: Pointer }, { additionalProperties: false }),
      Type.Object({ $secret: Label }, { additionalProperties: false }),
      Type.Object({ $host: Label }, { additionalProperties: false }),
      Type.Object({ $instance: Type.Union([Type.Literal("name"), Type.Literal("project"), Type.Literal("host"), Type.Literal("url")]) }, { additionalProperties: false }),
      Type.Object({ $concat: Type.Array(Type.Ref("Expression"), { minItems: 1 }) }, { additionalProperties: false }),
      Type.Object({ $if: Pointer, then: Type.Ref("Expression"), else: Type.Optional(Type.Ref("Expression")) }, { additionalProperties: false }),
    ]),
  },
  "Expression",
);

/** Include the item only when the value at this pointer is set (non-empty)… */
const When = Type.Optional(Pointer);
/** …or only when it is not. */
const Unless = Type.Optional(Pointer);
const ArgumentSchema = Type.Union([ExpressionSchema, Type.Object({ $each: Pointer }, { additionalProperties: false })]);

const EnvVar = Type.Object({ name: Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]*$" }), value: ExpressionSchema, when: When, unless: Unless }, { additionalProperties: false });
const Port = Type.Object({ name: Type.String({ pattern: "^[a-z]([-a-z0-9]*[a-z0-9])?$", maxLength: 15 }), port: Type.Integer({ minimum: 1, maximum: 65535 }) }, { additionalProperties: false });
const Mount = Type.Object({ volume: Label, mountPath: Type.String({ pattern: "^/" }), subPath: Type.Optional(Type.String()), readOnly: Type.Optional(Type.Boolean()), when: When, unless: Unless }, { additionalProperties: false });
const Container = {
  image: ExpressionSchema,
  command: Type.Optional(Type.Array(ArgumentSchema)),
  args: Type.Optional(Type.Array(ArgumentSchema)),
  /** An absolute path, or empty for the image's own. */
  workingDir: Type.Optional(ExpressionSchema),
  env: Type.Optional(Type.Array(EnvVar)),
  mounts: Type.Optional(Type.Array(Mount)),
};
const InitContainer = Type.Object({ name: Label, when: When, unless: Unless, ...Container }, { additionalProperties: false });

const Volume = Type.Object(
  {
    name: Label,
    /** Persistent volumes survive restarts and stops; the size is an expression in GiB or a quantity. */
    persistent: Type.Optional(Type.Object({ size: ExpressionSchema }, { additionalProperties: false })),
    /** Scratch space, lost on restart (e.g. /tmp for read-only root file systems). */
    scratch: Type.Optional(Type.Object({ sizeLimit: Type.Optional(Type.String()) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

const Component = Type.Object(
  {
    /** `main` renders as the instance's own name, others as `<instance>-<name>`. */
    name: Label,
    when: When,
    unless: Unless,
    ...Container,
    ports: Type.Optional(Type.Array(Port)),
    /** The port served to users at the instance's URL (at most one in a template). */
    expose: Type.Optional(Type.Object({ port: Type.String(), path: Type.Optional(Type.String({ pattern: "^/" })) }, { additionalProperties: false })),
    /** Path answered once the component is ready (an HTTP probe on the exposed port). */
    readinessPath: Type.Optional(Type.String({ pattern: "^/" })),
    volumes: Type.Optional(Type.Array(Volume)),
    initContainers: Type.Optional(Type.Array(InitContainer)),
    /** The pod always meets the Pod Security `restricted` profile; these say how the image needs to run within it. */
    security: Type.Optional(
      Type.Object(
        {
          runAsUser: Type.Optional(Type.Integer({ minimum: 1 })),
          runAsGroup: Type.Optional(Type.Integer({ minimum: 0 })),
          fsGroup: Type.Optional(Type.Integer({ minimum: 0 })),
          readOnlyRootFilesystem: Type.Optional(Type.Boolean()),
          /** Lets a non-root process listen on ports below 1024 (a sysctl the restricted profile allows). */
          bindLowPorts: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const Resources = Type.Object(
  {
    cpu: Type.String({ pattern: "^[0-9]+(\\.[0-9]+)?m?$" }),
    memory: Type.String({ pattern: "^[0-9]+(Ki|Mi|Gi|Ti)$" }),
    gpu: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

export const TemplateSchema = Type.Object(
  {
    id: Label,
    version: Type.String({ pattern: "^[0-9]+\\.[0-9]+\\.[0-9]+$" }),
    title: Localized,
    description: Localized,
    category: Type.Union([Type.Literal("notebooks"), Type.Literal("data-apps"), Type.Literal("web-sites"), Type.Literal("web-hosting")]),
    tags: Type.Optional(Type.Array(Type.String())),
    documentation: Type.Optional(Type.String({ pattern: "^https://" })),
    /** Size presets: for each preset, the resources of each component. */
    sizes: Type.Record(Type.String({ pattern: "^[a-z]+$" }), Type.Record(Label, Resources)),
    /** Secrets generated once per instance and kept out of git. */
    secrets: Type.Optional(Type.Array(Type.Object({ name: Label, length: Type.Optional(Type.Integer({ minimum: 16, maximum: 128 })) }, { additionalProperties: false }))),
    components: Type.Array(Component, { minItems: 1 }),
    /**
     * It can use a bucket of its project (ADR 0031): attached at launch, these components (default
     * `main`) get its credentials and address as environment variables (`AWS_ACCESS_KEY_ID`…).
     */
    s3: Type.Optional(Type.Object({ components: Type.Optional(Type.Array(Label, { minItems: 1 })) }, { additionalProperties: false })),
    /** Idle reclaim's defaults for its instances (ADR 28), under the configuration's per-template ones, labs' and projects'. */
    reclaim: Type.Optional(ReclaimPolicySchema),
    /** How users get in: a header the proxy adds with a generated secret, or credentials shown to them. */
    access: Type.Optional(
      Type.Object(
        {
          header: Type.Optional(Type.Object({ name: Type.String({ pattern: "^[A-Za-z][A-Za-z0-9-]*$" }), prefix: Type.String(), secret: Label }, { additionalProperties: false })),
          credentials: Type.Optional(Type.Array(Type.Object({ label: Localized, username: Type.Optional(Type.String()), secret: Label }, { additionalProperties: false }))),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export type TemplateSpec = Static<typeof TemplateSchema>;
export type ComponentSpec = TemplateSpec["components"][number];
export type ResourcesSpec = Static<typeof Resources>;

/** A template: its spec and the JSON Schema (draft 7) of its values. */
export interface Template {
  readonly spec: TemplateSpec;
  readonly valuesSchema: Readonly<Record<string, unknown>>;
}

/** Checks a template's data: its shape, then the references between its parts. */
export function checkTemplate(spec: unknown, valuesSchema: unknown, source: string): Template {
  if (!Value.Check(TemplateSchema, spec)) {
    const issues: InputIssue[] = [...Value.Errors(TemplateSchema, spec)].slice(0, 5).map((error) => ({ pointer: error.instancePath, rule: error.keyword, message: error.message }));
    throw new InputError(`${source}: template.yaml ${issues[0]?.pointer ?? ""} ${issues[0]?.message ?? "is invalid"}`, issues);
  }
  const typed = spec as TemplateSpec;
  if (typeof valuesSchema !== "object" || valuesSchema === null || Array.isArray(valuesSchema)) {
    throw InputError.field("", "values-schema", `${source}: values.schema.json must be a JSON Schema object`);
  }
  const problems = referenceProblems(typed, valuesSchema as Record<string, unknown>);
  if (problems.length > 0) throw new InputError(`${source}: ${problems[0]}`, problems.map((message) => ({ pointer: "", rule: "template", message })));
  return { spec: typed, valuesSchema: valuesSchema as Record<string, unknown> };
}

/** Everything that references something else must find it, or the template is refused at load. */
function referenceProblems(spec: TemplateSpec, valuesSchema: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const componentNames = new Set(spec.components.map((component) => component.name));
  const secretNames = new Set((spec.secrets ?? []).map((secret) => secret.name));
  if (componentNames.size !== spec.components.length) problems.push("component names must be unique");
  if (!componentNames.has("main")) problems.push('one component must be named "main"');
  const exposed = spec.components.filter((component) => component.expose);
  if (exposed.length > 1) problems.push("at most one component may expose a port");

  const checkPointer = (pointer: string, where: string) => {
    if (!schemaHasPointer(valuesSchema, pointer)) problems.push(`${where}: ${pointer} is not a property of values.schema.json`);
  };
  const checkExpression = (expression: unknown, where: string, secretAllowed: boolean): void => {
    if (typeof expression !== "object" || expression === null) return;
    const record = expression as Record<string, unknown>;
    if (typeof record.$value === "string") checkPointer(record.$value, where);
    if (typeof record.$secret === "string") {
      if (!secretAllowed) problems.push(`${where}: $secret may only be a whole environment value`);
      if (!secretNames.has(record.$secret)) problems.push(`${where}: secret "${record.$secret}" is not declared in secrets`);
    }
    if (typeof record.$each === "string") problems.push(`${where}: $each may only be an item of command or args`);
    if (typeof record.$host === "string" && !componentNames.has(record.$host)) problems.push(`${where}: $host "${record.$host}" is not a component`);
    if (Array.isArray(record.$concat)) record.$concat.forEach((part, i) => checkExpression(part, `${where}/$concat/${i}`, false));
    if (typeof record.$if === "string") {
      checkPointer(record.$if, where);
      checkExpression(record.then, `${where}/then`, false);
      if (record.else !== undefined) checkExpression(record.else, `${where}/else`, false);
    }
  };
  const checkContainer = (container: ComponentSpec | NonNullable<ComponentSpec["initContainers"]>[number], where: string, volumes: Set<string>) => {
    const checkConditions = (item: { when?: string; unless?: string }, at: string) => {
      if (item.when) checkPointer(item.when, `${at}/when`);
      if (item.unless) checkPointer(item.unless, `${at}/unless`);
    };
    const checkArgument = (part: ArgumentExpression, at: string) => {
      if (typeof part === "object" && "$each" in part) checkPointer(part.$each, at);
      else checkExpression(part, at, false);
    };
    checkConditions(container, where);
    checkExpression(container.image, `${where}/image`, false);
    if (container.workingDir !== undefined) checkExpression(container.workingDir, `${where}/workingDir`, false);
    container.command?.forEach((part, i) => checkArgument(part, `${where}/command/${i}`));
    container.args?.forEach((part, i) => checkArgument(part, `${where}/args/${i}`));
    container.env?.forEach((env, i) => {
      checkExpression(env.value, `${where}/env/${i}`, true);
      checkConditions(env, `${where}/env/${i}`);
    });
    container.mounts?.forEach((mount, i) => {
      if (!volumes.has(mount.volume)) problems.push(`${where}/mounts/${i}: volume "${mount.volume}" is not declared by the component`);
      checkConditions(mount, `${where}/mounts/${i}`);
    });
  };

  spec.components.forEach((component, c) => {
    const where = `/components/${c}`;
    const volumes = new Set((component.volumes ?? []).map((volume) => volume.name));
    // Derived names (`<instance>-<component>-<volume>`) must stay within 63 characters.
    if (component.name.length > 12) problems.push(`${where}: component name "${component.name}" is longer than 12 characters`);
    for (const volume of component.volumes ?? []) if (volume.name.length > 12) problems.push(`${where}: volume name "${volume.name}" is longer than 12 characters`);
    for (const volume of component.volumes ?? []) {
      if (!!volume.persistent === !!volume.scratch) problems.push(`${where}: volume "${volume.name}" must be either persistent or scratch`);
      if (volume.persistent) checkExpression(volume.persistent.size, `${where}/volumes/${volume.name}`, false);
    }
    checkContainer(component, where, volumes);
    component.initContainers?.forEach((init, i) => checkContainer(init, `${where}/initContainers/${i}`, volumes));
    const portNames = new Set((component.ports ?? []).map((port) => port.name));
    if (component.expose && !portNames.has(component.expose.port)) problems.push(`${where}/expose: port "${component.expose.port}" is not declared`);
    if (component.readinessPath && !component.expose) problems.push(`${where}: readinessPath needs an exposed port`);
    for (const [size, perComponent] of Object.entries(spec.sizes)) {
      if (!perComponent[component.name]) problems.push(`/sizes/${size}: no resources for component "${component.name}"`);
    }
  });
  if (!schemaHasPointer(valuesSchema, "/size")) problems.push("values.schema.json must have a size property");
  const sizeEnum = propertySchema(valuesSchema, "/size")?.enum;
  if (Array.isArray(sizeEnum)) {
    for (const size of sizeEnum) if (typeof size !== "string" || !spec.sizes[size]) problems.push(`size "${String(size)}" of values.schema.json has no preset in sizes`);
  }
  for (const secret of [spec.access?.header?.secret, ...(spec.access?.credentials ?? []).map((credential) => credential.secret)]) {
    if (secret !== undefined && !secretNames.has(secret)) problems.push(`/access: secret "${secret}" is not declared in secrets`);
  }
  for (const component of s3Components(spec)) if (!componentNames.has(component)) problems.push(`/s3: component "${component}" is not declared`);
  if (spec.access?.header && exposed.length === 0) problems.push("/access/header needs an exposed port");
  if (valuesSchema.additionalProperties !== false) problems.push("values.schema.json must set additionalProperties: false");
  return problems;
}

/** The components an attached bucket's variables go to; none when the template cannot use a bucket. */
export const s3Components = (spec: TemplateSpec): readonly string[] => (spec.s3 ? (spec.s3.components ?? ["main"]) : []);

/** The schema of the property a `$value` pointer names in a values schema, following `properties`. */
export function propertySchema(schema: Readonly<Record<string, unknown>>, pointer: string): Record<string, unknown> | undefined {
  let current: Readonly<Record<string, unknown>> | undefined = schema;
  for (const segment of pointer.split("/").slice(1)) {
    const properties = current?.properties as Record<string, Record<string, unknown>> | undefined;
    current = properties?.[unescapePointerSegment(segment)];
    if (!current) return undefined;
  }
  return current;
}

const schemaHasPointer = (schema: Record<string, unknown>, pointer: string): boolean => propertySchema(schema, pointer) !== undefined;
