// The domain model of desired state: what the files of the desired-state repository hold.
// Each kind has a TypeBox schema (checked when a file is read, so a hand-edited file that
// breaks the rules is reported, never half-understood) and a deterministic serializer.
import { Type, type Static } from "typebox";
import { Value } from "typebox/value";
import { InputError, type InputIssue } from "./errors.js";
import { fromYaml, toYaml } from "./yaml.js";

export const API_VERSION = "plateau.io/v1";

const Name = Type.String({ pattern: "^[a-z]([-a-z0-9]*[a-z0-9])?$", maxLength: 63 });

export const PlatformSchema = Type.Object(
  {
    apiVersion: Type.Literal(API_VERSION),
    kind: Type.Literal("Platform"),
    metadata: Type.Object({ name: Name }, { additionalProperties: false }),
    spec: Type.Object(
      {
        title: Type.String({ maxLength: 200 }),
        engine: Type.Union([Type.Literal("podman"), Type.Literal("argocd")]),
        infrastructure: Type.Object(
          { type: Type.String({ maxLength: 63 }), provider: Type.Optional(Type.String({ maxLength: 100 })) },
          { additionalProperties: false },
        ),
        site: Type.String({ maxLength: 63 }),
        tier: Type.Union([Type.Literal("experimental"), Type.Literal("institutional"), Type.Literal("recovery")]),
        flavour: Type.Union([Type.Literal("kubernetes"), Type.Literal("openshift")]),
        /** Instances are served at `<instance>.<project>.<domain>`. */
        domain: Type.String({ pattern: "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", maxLength: 200 }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type PlatformDocument = Static<typeof PlatformSchema>;

export const ProjectSchema = Type.Object(
  {
    apiVersion: Type.Literal(API_VERSION),
    kind: Type.Literal("Project"),
    metadata: Type.Object({ name: Name, createdAt: Type.String(), createdBy: Type.String({ maxLength: 200 }) }, { additionalProperties: false }),
    spec: Type.Object({ title: Type.String({ maxLength: 200 }) }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);
export type ProjectDocument = Static<typeof ProjectSchema>;

export type InstanceState = "running" | "stopped";

export const InstanceSchema = Type.Object(
  {
    apiVersion: Type.Literal(API_VERSION),
    kind: Type.Literal("Instance"),
    metadata: Type.Object({ name: Name, project: Name, createdAt: Type.String(), createdBy: Type.String({ maxLength: 200 }) }, { additionalProperties: false }),
    spec: Type.Object(
      {
        template: Name,
        templateVersion: Type.String({ maxLength: 64 }),
        state: Type.Union([Type.Literal("running"), Type.Literal("stopped")]),
        values: Type.Record(Type.String(), Type.Unknown()),
      },
      { additionalProperties: false },
    ),
    placement: Type.Object({ platform: Name, reason: Type.String({ maxLength: 2000 }) }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);
export type InstanceDocument = Static<typeof InstanceSchema>;

type Schema = typeof PlatformSchema | typeof ProjectSchema | typeof InstanceSchema;

function check<T>(schema: Schema, value: unknown, source: string): T {
  if (Value.Check(schema, value)) return value as T;
  const issues: InputIssue[] = [...Value.Errors(schema, value)].slice(0, 10).map((error) => ({
    pointer: error.instancePath,
    rule: error.keyword,
    message: error.message,
  }));
  const first = issues[0];
  throw new InputError(`${source}: ${first ? `${first.pointer || "/"} ${first.message}` : "invalid document"}`, issues);
}

export const parsePlatform = (text: string, source: string): PlatformDocument => check<PlatformDocument>(PlatformSchema, fromYaml(text, source), source);
export const parseProject = (text: string, source: string): ProjectDocument => check<ProjectDocument>(ProjectSchema, fromYaml(text, source), source);
export const parseInstance = (text: string, source: string): InstanceDocument => check<InstanceDocument>(InstanceSchema, fromYaml(text, source), source);

/** Every document of desired state is written through here: same object, same bytes. */
export const serialize = (document: PlatformDocument | ProjectDocument | InstanceDocument): string => toYaml(document);
