// The HTTP API's schemas, shared by the server (validation, OpenAPI), the CLI and the portal.
// Responses are typed from the same schemas, and a compile-time check below keeps them equal
// to what core returns.
import { Type, type Static } from "typebox";

export const API_PREFIX = "/api/v1";

const Name = Type.String({ pattern: "^[a-z]([-a-z0-9]*[a-z0-9])?$", maxLength: 63, description: "A DNS-1123 label starting with a letter" });
const Localized = Type.Object({ en: Type.String(), fr: Type.String() });
const Timestamp = Type.String({ description: "ISO 8601 time" });

export const Issue = Type.Object({
  pointer: Type.String({ description: "JSON pointer into the request (e.g. /values/size)" }),
  rule: Type.String({ description: "The rule that failed (enum, dns-label, required…)" }),
  message: Type.String(),
});
export const QuotaDenial = Type.Object({
  scope: Type.Union([Type.Literal("project"), Type.Literal("lab")]),
  name: Type.String(),
  resource: Type.String({ description: "cpu, memoryGiB, gpu, instances or storageGiB" }),
  unit: Type.String(),
  asked: Type.Number(),
  used: Type.Number(),
  limit: Type.Number(),
  remaining: Type.Number(),
});
export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String({ description: "input, not-found, conflict, not-allowed, quota-exceeded, unavailable, rate-limited, unauthenticated, internal" }),
    message: Type.String(),
    issues: Type.Optional(Type.Array(Issue)),
    quota: Type.Optional(QuotaDenial),
  }),
});
export type ErrorBody = Static<typeof ErrorBody>;

export const TemplateSummary = Type.Object({
  id: Type.String(),
  version: Type.String(),
  title: Localized,
  description: Localized,
  category: Type.String(),
  tags: Type.Array(Type.String()),
  sizes: Type.Array(Type.String()),
  documentation: Type.Union([Type.String(), Type.Null()]),
});
export const TemplateDetail = Type.Object({
  ...TemplateSummary.properties,
  valuesSchema: Type.Record(Type.String(), Type.Unknown(), { description: "JSON Schema (draft 7) of the values" }),
  components: Type.Array(Type.String()),
});
export type TemplateSummary = Static<typeof TemplateSummary>;
export type TemplateDetail = Static<typeof TemplateDetail>;

export const Project = Type.Object({ name: Type.String(), title: Type.String(), createdAt: Timestamp, createdBy: Type.String(), instances: Type.Integer() });
export const CreateProjectBody = Type.Object({ name: Name, title: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false });
export const ProjectCreated = Type.Object({ project: Project, commit: Type.Union([Type.String(), Type.Null()]) });
export type Project = Static<typeof Project>;

export const Platform = Type.Object({
  name: Type.String(),
  title: Type.String(),
  engine: Type.String(),
  tier: Type.String(),
  site: Type.String(),
  infrastructure: Type.String(),
  domain: Type.String(),
  flavour: Type.String(),
  available: Type.Boolean(),
  version: Type.Union([Type.String(), Type.Null()]),
  reason: Type.Union([Type.String(), Type.Null()]),
  hint: Type.Union([Type.String(), Type.Null()]),
  instances: Type.Integer(),
});
export type Platform = Static<typeof Platform>;

export const Phase = Type.Union([
  Type.Literal("pending"),
  Type.Literal("starting"),
  Type.Literal("running"),
  Type.Literal("stopping"),
  Type.Literal("stopped"),
  Type.Literal("failed"),
]);

export const Instance = Type.Object({
  project: Type.String(),
  name: Type.String(),
  template: Type.String(),
  templateVersion: Type.String(),
  platform: Type.String(),
  state: Type.Union([Type.Literal("running"), Type.Literal("stopped")], { description: "What was asked" }),
  phase: Phase,
  reason: Type.String(),
  url: Type.Union([Type.String(), Type.Null()]),
  values: Type.Record(Type.String(), Type.Unknown()),
  placementReason: Type.String(),
  createdAt: Timestamp,
  createdBy: Type.String(),
  updatedAt: Type.Union([Timestamp, Type.Null()]),
});
export type Instance = Static<typeof Instance>;

export const LaunchBody = Type.Object(
  {
    template: Type.String({ maxLength: 63 }),
    name: Type.Optional(Type.String({ maxLength: 100, description: "Generated when absent" })),
    values: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: "Validated against the template's values schema" })),
    platform: Type.Optional(Type.String({ maxLength: 63, description: "Pin the instance to this platform" })),
  },
  { additionalProperties: false },
);
export type LaunchBody = Static<typeof LaunchBody>;

export const Placement = Type.Object({
  platform: Type.String(),
  reason: Type.String(),
  candidates: Type.Array(Type.Object({ platform: Type.String(), score: Type.Number(), scores: Type.Record(Type.String(), Type.Number()) })),
  excluded: Type.Array(Type.Object({ platform: Type.String(), reason: Type.String() })),
});
export const LaunchResponse = Type.Object({
  instance: Instance,
  commit: Type.Union([Type.String(), Type.Null()]),
  placement: Placement,
  replayed: Type.Boolean(),
});
export type LaunchResponse = Static<typeof LaunchResponse>;

export const ChangeResponse = Type.Object({ instance: Type.Union([Instance, Type.Null()]), commit: Type.Union([Type.String(), Type.Null()]) });
export type ChangeResponse = Static<typeof ChangeResponse>;

export const ObservedStatus = Type.Object({
  project: Type.String(),
  instance: Type.String(),
  platform: Type.String(),
  phase: Phase,
  reason: Type.String(),
  appliedHash: Type.Union([Type.String(), Type.Null()], { description: "Content hash of the rendered manifests that run" }),
  endpoint: Type.Union([Type.String(), Type.Null()]),
  updatedAt: Timestamp,
});
export type ObservedStatus = Static<typeof ObservedStatus>;

export const HistoryEntry = Type.Object({ commit: Type.String(), at: Timestamp, author: Type.String(), action: Type.String(), subject: Type.String() });
export type HistoryEntry = Static<typeof HistoryEntry>;

export const InstanceEvent = Type.Object({ at: Timestamp, message: Type.String() });
export type InstanceEvent = Static<typeof InstanceEvent>;

export const Health = Type.Object({ status: Type.String(), checks: Type.Optional(Type.Record(Type.String(), Type.String())) });

export const List = <T extends Parameters<typeof Type.Array>[0]>(item: T) => Type.Object({ items: Type.Array(item) });

export const ProjectParams = Type.Object({ project: Type.String() });
export const InstanceParams = Type.Object({ project: Type.String(), instance: Type.String() });
export const InstanceQuery = Type.Object({ project: Type.Optional(Type.String()), platform: Type.Optional(Type.String()) }, { additionalProperties: false });
export const HistoryQuery = Type.Object(
  { project: Type.Optional(Type.String()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) },
  { additionalProperties: false },
);
export const LimitQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }, { additionalProperties: false });
export const LogsQuery = Type.Object(
  { follow: Type.Optional(Type.Boolean()), tail: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })) },
  { additionalProperties: false },
);

/** Sent by clients with every change so that a retry after a lost answer does not act twice. */
export const IDEMPOTENCY_HEADER = "idempotency-key";
