// The HTTP API's schemas, shared by the server (validation, OpenAPI), the CLI and the portal.
// Responses are typed from the same schemas, and a compile-time check below keeps them equal
// to what core returns.
import { Type, type Static, type TSchema } from "typebox";

import { TEXT_PATTERN, WORD_PATTERN } from "./text.js";
import { CHOICE_REASONS, ERROR_CATEGORIES, ERROR_REASONS, EVENT_KINDS, EXCLUSION_REASONS, QUOTA_BLOCKS, STATUS_REASONS, type ProjectAbility } from "./codes.js";

export { API_PREFIX, IDEMPOTENCY_HEADER } from "./http.js";

/**
 * Free text a person sends: the one text rule of src/contracts/text.ts (no control or
 * bidirectional control characters, no lone surrogates, no white space at either end), and a
 * length. `spaces: false` for a word (a group name). Every free-text field of a request uses it.
 */
export const Text = (options: { readonly maxLength: number; readonly minLength?: number; readonly spaces?: boolean; readonly description?: string }) => {
  const { spaces, ...rest } = options;
  return Type.String({ ...rest, pattern: spaces === false ? WORD_PATTERN : TEXT_PATTERN });
};

/**
 * `T | null` written as `type: [T, "null"]`: the response serializer writes it directly,
 * where an `anyOf` would run a validator on every field of every item of a list.
 */
const Nullable = <T extends TSchema & { type: string }>(schema: T) => Type.Unsafe<Static<T> | null>({ ...schema, type: [schema.type, "null"] });

const Name = Type.String({ pattern: "^[a-z]([-a-z0-9]*[a-z0-9])?$", maxLength: 63, description: "A DNS-1123 label starting with a letter" });
const Localized = Type.Object({ en: Type.String(), fr: Type.String() });
const Timestamp = Type.String({ description: "ISO 8601 time" });
/** One of a list of codes (src/contracts/codes.ts), as an enum of the schema. */
const OneOf = <T extends string>(codes: readonly T[], description: string) => Type.Unsafe<T>({ type: "string", enum: [...codes], description });
/** The values a code's sentence names, for a client's translation. */
const Params = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]), { description: "The values the code's sentence names" });

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
    code: OneOf(ERROR_CATEGORIES, "The category: how to react in general (it decides the HTTP status)"),
    reason: Type.Optional(OneOf(ERROR_REASONS, "The case, for clients to act on and translate (src/contracts/codes.ts); absent: the category says it all")),
    params: Type.Optional(Params),
    message: Type.String({ description: "The same in English, for logs and people" }),
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
  s3: Type.Boolean({
    description:
      "Whether an instance of it can be attached to a bucket of its project (the launch's `bucket`): it then reads the bucket's keys as AWS_* variables",
  }),
});
export const TemplateDetail = Type.Object({
  ...TemplateSummary.properties,
  valuesSchema: Type.Record(Type.String(), Type.Unknown(), { description: "JSON Schema (draft 7) of the values" }),
  components: Type.Array(Type.String()),
  presets: Type.Record(Type.String(), Type.Object({ cpu: Type.Number({ description: "cores" }), memoryGiB: Type.Number(), gpu: Type.Number() }), {
    description: "What each size preset reserves while the instance runs, all its components together",
  }),
});
export type TemplateSummary = Static<typeof TemplateSummary>;

export const HelmChartSummary = Type.Object({
  id: Type.String({ description: "<catalog>/<chart>: the template of a launch" }),
  catalog: Type.String(),
  chart: Type.String(),
  version: Type.String({ description: "The newest version offered" }),
  versions: Type.Array(Type.String(), { description: "Every version offered, newest first" }),
  title: Type.String(),
  description: Type.String(),
  icon: Nullable(Type.String()),
  home: Nullable(Type.String()),
  keywords: Type.Array(Type.String()),
  highlighted: Type.Boolean(),
  category: Type.String({ description: "The catalog's name, in the requested language" }),
  status: Type.Union([Type.Literal("PROD"), Type.Literal("TEST")]),
  stop: Type.Optional(
    Type.Union([Type.Literal("suspend"), Type.Literal("replicas"), Type.Literal("remove-on-expiry")], {
      description:
        "How an instance of it stops (ADR 24): suspend (Onyxia's global.suspend), replicas (its workloads scaled to 0 through their values), " +
        "remove-on-expiry (it cannot be stopped: its expiry removes it, data included). Absent when it cannot be told",
    }),
  ),
});
export type HelmChartSummary = Static<typeof HelmChartSummary>;
export const HelmChartList = Type.Object({
  items: Type.Array(HelmChartSummary),
  unavailable: Type.Array(Type.Object({ catalog: Type.String(), reason: Type.String() }), { description: "Catalogs whose repository could not be read" }),
});
export const HelmChartForm = Type.Object({
  ...HelmChartSummary.properties,
  valuesSchema: Type.Record(Type.String(), Type.Unknown(), {
    description: "The form: JSON Schema (draft 7) with Onyxia's extensions resolved; render hints (slider, list, textArea, password, hidden) under x-plateau",
  }),
  defaults: Type.Record(Type.String(), Type.Unknown()),
});
export type HelmChartList = Static<typeof HelmChartList>;
export type HelmChartForm = Static<typeof HelmChartForm>;
export type TemplateDetail = Static<typeof TemplateDetail>;

const Role = Type.Union([Type.Literal("owner"), Type.Literal("editor"), Type.Literal("viewer")]);
const Login = Type.String({ pattern: "^[a-z0-9][-a-z0-9._]*$", maxLength: 64 });
export const Member = Type.Union([
  Type.Object({ login: Login, role: Role }, { additionalProperties: false }),
  Type.Object({ group: Text({ minLength: 1, maxLength: 200, spaces: false }), role: Role }, { additionalProperties: false }),
]);
export const Quota = Type.Object(
  {
    cpu: Type.Optional(Type.Number({ minimum: 0, maximum: 100000, description: "cores" })),
    memoryGiB: Type.Optional(Type.Number({ minimum: 0, maximum: 1000000 })),
    gpu: Type.Optional(Type.Integer({ minimum: 0, maximum: 10000 })),
    instances: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000 })),
    storageGiB: Type.Optional(Type.Number({ minimum: 0, maximum: 10000000 })),
  },
  { additionalProperties: false },
);
export const Resources = Type.Object({ cpu: Type.Number(), memoryGiB: Type.Number(), gpu: Type.Number(), instances: Type.Number(), storageGiB: Type.Number() });

export const Project = Type.Object({
  name: Type.String(),
  title: Type.String(),
  createdAt: Timestamp,
  createdBy: Type.String(),
  lab: Type.Union([Type.String(), Type.Null()], { description: "Null for a personal project" }),
  personal: Type.Union([Type.String(), Type.Null()], { description: "The owner's login, for a personal project" }),
  members: Type.Array(Member),
  quota: Quota,
  tiers: Type.Array(Type.String(), {
    description: "The platform tiers its instances may run on: experimental (the default), institutional (kept up); set by operators",
  }),
  instances: Type.Integer(),
  role: Type.Union([Role, Type.Null()], { description: "The caller's role on the project, from every source (login, group, lab admin, operator)" }),
  roleWithoutLoginEntry: Type.Union([Role, Type.Null()], {
    description:
      "The role the caller keeps without their own login entry among the members (a group, lab administration, operator): warn before a change of members takes their owner role away",
  }),
  may: Type.Object(
    {
      read: Type.Boolean(),
      launch: Type.Boolean({ description: "Launch, stop, start, renew, move and remove its instances" }),
      manageMembers: Type.Boolean(),
      setQuota: Type.Boolean(),
      setTiers: Type.Boolean({ description: "Set the platform tiers its instances may run on (operators)" }),
    } satisfies Record<ProjectAbility, TSchema>,
    { description: "What the caller may do, as the server decides it (a token's scope included): clients show controls by it and decide nothing" },
  ),
});
export const CreateProjectBody = Type.Object(
  { name: Name, lab: Name, title: Type.Optional(Text({ maxLength: 200 })) },
  { additionalProperties: false, description: "The creator becomes the project's owner; the lab's project limit applies" },
);
export const MembersBody = Type.Object({ members: Type.Array(Member, { maxItems: 500 }) }, { additionalProperties: false });
export const QuotaBody = Type.Object({ quota: Quota }, { additionalProperties: false });
export const TiersBody = Type.Object(
  {
    tiers: Type.Array(Type.String({ maxLength: 63 }), {
      minItems: 1,
      maxItems: 10,
      description: "experimental, institutional, or both: the tiers platforms declare (a recovery platform takes over only in a disaster)",
    }),
  },
  { additionalProperties: false },
);
const QuotaUse = Type.Object({ quota: Resources, used: Resources });
export const QuotaReport = Type.Object({
  project: Type.Object({ name: Type.String(), ...QuotaUse.properties }),
  lab: Type.Union([Type.Object({ name: Type.String(), projects: Type.Integer(), projectLimit: Type.Integer(), ...QuotaUse.properties }), Type.Null()]),
});
export type QuotaReport = Static<typeof QuotaReport>;
export const Lab = Type.Object({
  name: Type.String(),
  title: Type.String(),
  projectLimit: Type.Integer(),
  projects: Type.Array(Type.String()),
  quota: Resources,
  used: Resources,
});
export type Lab = Static<typeof Lab>;
export const LabParams = Type.Object({ lab: Type.String() });

export const Me = Type.Object({
  login: Type.String(),
  name: Type.String(),
  labs: Type.Array(Type.String()),
  labAdminOf: Type.Array(Type.String()),
  operator: Type.Boolean(),
  personalProject: Type.String(),
  via: Type.Union([Type.Literal("session"), Type.Literal("token")]),
  csrfToken: Type.Union([Type.String(), Type.Null()], { description: "Send it as x-csrf-token with every change made with the session cookie" }),
});
export type Me = Static<typeof Me>;

export const SignedIn = Type.Object({
  me: Type.Union([Me, Type.Null()], { description: "Who is signed in; null: nobody (an answer, not an error)" }),
});
export type SignedIn = Static<typeof SignedIn>;

export const Token = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: "The token's first characters, to recognise it" }),
  projects: Type.Union([Type.Array(Type.String()), Type.Null()], { description: "Null: all of the owner's projects" }),
  write: Type.Boolean(),
  createdAt: Timestamp,
  expiresAt: Timestamp,
  lastUsedAt: Type.Union([Timestamp, Type.Null()]),
  revokedAt: Type.Union([Timestamp, Type.Null()]),
});
export type Token = Static<typeof Token>;
export const CreateTokenBody = Type.Object(
  {
    name: Text({ minLength: 1, maxLength: 100 }),
    projects: Type.Optional(Type.Array(Name, { minItems: 1, maxItems: 100, description: "Limit the token to these projects" })),
    write: Type.Optional(Type.Boolean({ description: "False for a read-only token (default true)" })),
    expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
  },
  { additionalProperties: false },
);
export const TokenCreated = Type.Object({ token: Type.String({ description: "Shown once: only its hash is kept" }), record: Token });
export const TokenParams = Type.Object({ id: Type.String({ maxLength: 100 }) });

export const AuditRecord = Type.Object({
  id: Type.Integer(),
  at: Timestamp,
  actor: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  target: Type.String(),
  outcome: Type.Union([Type.Literal("success"), Type.Literal("denied"), Type.Literal("failure")]),
  project: Type.Union([Type.String(), Type.Null()]),
  labs: Type.Array(Type.String()),
  ip: Type.String(),
  detail: Type.String(),
});
export const AuditQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })), before: Type.Optional(Type.Integer({ minimum: 1 })) },
  { additionalProperties: false },
);
export const IdentityProviderInfo = Type.Object({ id: Type.String(), title: Type.String(), issuer: Type.String() });
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
  pools: Type.Array(
    Type.Object({
      name: Type.String(),
      nodes: Type.Integer(),
      cpu: Type.Number({ description: "cores per node" }),
      memoryGiB: Type.Number({ description: "per node" }),
      gpu: Type.Union([Type.Object({ type: Type.String(), count: Type.Integer() }), Type.Null()], { description: "per node" }),
    }),
  ),
  capacity: Type.Union([Type.Object({ cpu: Type.Number(), memoryGiB: Type.Number(), gpu: Type.Number() }), Type.Null()], {
    description: "All pools together; null for one machine that declares none",
  }),
  used: Type.Object({ cpu: Type.Number(), memoryGiB: Type.Number(), gpu: Type.Number() }, { description: "What its running instances ask" }),
  recoveryFor: Type.Union([Type.String(), Type.Null()]),
  delivery: Type.Union([Type.Object({ state: Type.String(), reason: Type.Union([Type.String(), Type.Null()]) }), Type.Null()], {
    description:
      "How Plateau's commits reach a cluster: the desired-state remote's state (in-sync, ahead, pushing, failing, diverged, no-remote) and why; null for a platform Plateau drives itself",
  }),
});
export type Platform = Static<typeof Platform>;

export const Phase = Type.Enum(["pending", "starting", "running", "stopping", "stopped", "failed"]);
const StatusReasonCode = OneOf(STATUS_REASONS, "Why it is in this phase, for clients to translate (src/contracts/codes.ts), with reasonParams");

export const Instance = Type.Object({
  project: Type.String(),
  name: Type.String(),
  template: Type.String(),
  templateVersion: Type.String(),
  platform: Type.String(),
  state: Type.Enum(["running", "stopped"], { description: "What was asked" }),
  phase: Phase,
  reason: Type.String({ description: "Why it is in this phase, in English (logs, the CLI)" }),
  reasonCode: StatusReasonCode,
  reasonParams: Params,
  url: Nullable(Type.String()),
  values: Type.Record(Type.String(), Type.Unknown()),
  placementReason: Type.String(),
  createdAt: Timestamp,
  createdBy: Type.String(),
  updatedAt: Nullable(Timestamp),
  expiresAt: Nullable(
    Type.String({
      description:
        "ISO 8601 time when Plateau stops it (or removes it: see expiry) unless it is renewed (POST …/renew); past for an instance Plateau stopped when it expired; null: it never expires",
    }),
  ),
  expiry: Type.Optional(
    Type.Enum(["stop", "remove"], {
      description:
        "What its expiry does, present when it has one (expiresAt): stop (scaled to zero, its data kept) or remove (a chart that nothing scales to zero: it is removed, its data deleted with it)",
    }),
  ),
});
export type Instance = Static<typeof Instance>;

export const LaunchBody = Type.Object(
  {
    template: Text({ maxLength: 320, spaces: false, description: "A built-in template id, or <catalog>/<chart> for a chart of a Helm catalog" }),
    version: Type.Optional(Text({ maxLength: 100, spaces: false, description: "A chart's version (default: the newest offered)" })),
    name: Type.Optional(Type.String({ maxLength: 100, description: "Generated when absent" })),
    values: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: "Validated against the template's values schema; at most 32 levels deep, 10,000 members and items, 128 KiB as JSON",
      }),
    ),
    platform: Type.Optional(Text({ maxLength: 63, spaces: false, description: "Pin the instance to this platform" })),
    bucket: Type.Optional(
      Text({
        maxLength: 63,
        spaces: false,
        description:
          "Attach this bucket of the same project: its credentials and address are given to the instance (templates that declare s3, charts reading {{s3.*}})",
      }),
    ),
  },
  { additionalProperties: false },
);
export type LaunchBody = Static<typeof LaunchBody>;

export const Placement = Type.Object({
  platform: Type.String(),
  reason: Type.String({ description: "Why this platform, in English (for the intent file, logs and the CLI)" }),
  reasons: Type.Array(Type.Object({ code: OneOf(CHOICE_REASONS, "Why this platform"), params: Params }), {
    description: "The same as codes, in the sentence's order (src/contracts/codes.ts); empty for a replayed request",
  }),
  candidates: Type.Array(
    Type.Object({
      platform: Type.String(),
      score: Type.Number(),
      scores: Type.Record(Type.String(), Type.Number(), { description: "By criterion: availability, capacity, affinity, spread" }),
    }),
  ),
  excluded: Type.Array(
    Type.Object({
      platform: Type.String(),
      code: OneOf(EXCLUSION_REASONS, "Why it cannot run the instance (src/contracts/codes.ts)"),
      params: Params,
      reason: Type.String({ description: "The same in English" }),
    }),
  ),
  asks: Type.Optional(
    Type.Object(Resources.properties, {
      description: "What the launch would count against the project's and lab's quotas (in the answer of /placement)",
    }),
  ),
  quota: Type.Optional(
    Nullable(
      Type.Object(
        {
          code: OneOf(QUOTA_BLOCKS, "Which quota would refuse the launch, and who may raise it (src/contracts/codes.ts)"),
          params: Params,
          reason: Type.String({ description: "The same in English, with the command that raises it" }),
        },
        { description: "The quota the launch would not fit (in the answer of /placement); null: it fits" },
      ),
    ),
  ),
  pool: Type.Optional(
    Type.Object(
      {
        name: Type.String(),
        gpu: Type.Optional(Type.Object({ type: Type.String(), count: Type.Integer() })),
        nodeSelector: Type.Record(Type.String(), Type.String()),
        tolerations: Type.Array(
          Type.Object({
            key: Type.Optional(Type.String()),
            operator: Type.Optional(Type.String()),
            value: Type.Optional(Type.String()),
            effect: Type.Optional(Type.String()),
            tolerationSeconds: Type.Optional(Type.Integer()),
          }),
        ),
      },
      {
        description:
          "The pool of the platform a chart's pod lands on, with the node selector and tolerations its values carry to land there (in the answer of /placement; none for built-in templates, or a platform without pools)",
      },
    ),
  ),
});
export const LaunchResponse = Type.Object({
  instance: Instance,
  commit: Type.Union([Type.String(), Type.Null()]),
  placement: Placement,
  replayed: Type.Boolean(),
});
export type LaunchResponse = Static<typeof LaunchResponse>;

export const RenewBody = Type.Object(
  {
    days: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 3650,
        description:
          "Days to add to its expiry (or to now, once it has passed); default: the server's lifecycle.renewDays. Never beyond lifecycle.maxDays from now",
      }),
    ),
  },
  { additionalProperties: false },
);
export type RenewBody = Static<typeof RenewBody>;

export const ChangeResponse = Type.Object({ instance: Type.Union([Instance, Type.Null()]), commit: Type.Union([Type.String(), Type.Null()]) });
export type ChangeResponse = Static<typeof ChangeResponse>;

export const ObservedStatus = Type.Object({
  project: Type.String(),
  instance: Type.String(),
  platform: Type.String(),
  phase: Phase,
  reason: Type.String({ description: "Why it is in this phase, in English (logs, the CLI)" }),
  reasonCode: StatusReasonCode,
  reasonParams: Params,
  appliedHash: Type.Union([Type.String(), Type.Null()], { description: "Content hash of the rendered manifests that run" }),
  endpoint: Type.Union([Type.String(), Type.Null()]),
  updatedAt: Timestamp,
});
export type ObservedStatus = Static<typeof ObservedStatus>;

export const HistoryEntry = Type.Object({ commit: Type.String(), at: Timestamp, author: Type.String(), action: Type.String(), subject: Type.String() });
export type HistoryEntry = Static<typeof HistoryEntry>;

export const InstanceEvent = Type.Object({
  at: Timestamp,
  kind: OneOf(EVENT_KINDS, "What happened, for clients to act on and translate (src/contracts/codes.ts)"),
  params: Params,
  message: Type.String({ description: "The same in English, for logs and the CLI" }),
});
export type InstanceEvent = Static<typeof InstanceEvent>;

export const InstanceSecret = Type.Object({
  name: Type.String({ description: "The key of the instance's generated Secret (`one-time-password`, `security.password`…)" }),
  value: Type.String(),
});
export type InstanceSecret = Static<typeof InstanceSecret>;

export const Health = Type.Object({
  status: Type.String(),
  checks: Type.Optional(Type.Record(Type.String(), Type.String())),
  /** With several replicas: which one answered, and whether it leads (ADR 40). */
  replica: Type.Optional(Type.Object({ id: Type.String(), role: Type.Union([Type.Literal("leader"), Type.Literal("follower")]) })),
});

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

export type IdentityProviderInfo = Static<typeof IdentityProviderInfo>;
export type AuditRecord = Static<typeof AuditRecord>;
export type Placement = Static<typeof Placement>;
export type Member = Static<typeof Member>;
export type Resources = Static<typeof Resources>;
export type Quota = Static<typeof Quota>;
export type Issue = Static<typeof Issue>;
export type TokenCreated = Static<typeof TokenCreated>;
export type ProjectCreated = Static<typeof ProjectCreated>;

export const CommitParams = Type.Object({
  ...InstanceParams.properties,
  commit: Type.String({ pattern: "^(?:[0-9a-f]{40}|[0-9a-f]{64})$", description: "A commit id of the instance's history (40 or 64 hexadecimal digits)" }),
});
export const InstanceDiff = Type.Object({
  ...HistoryEntry.properties,
  patch: Type.String({
    description: "What the commit changed of the instance (its intent file and rendered manifests) against its first parent, as git's unified diff",
  }),
  truncated: Type.Boolean({ description: "True when the patch was cut after 256 KiB, at a line's end" }),
});
export type InstanceDiff = Static<typeof InstanceDiff>;
