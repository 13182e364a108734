// What the usage API answers (docs/api.md, docs/metrics.md): requested and used CPU, memory and
// GPU per instance, project, lab and platform over a window, showback in core-hours and
// GiB-hours, efficiency, right-sizing advice with its saving, and the points of a chart.
import { Type, type Static } from "typebox";

export const USAGE_WINDOW_NAMES = ["1h", "24h", "7d", "30d"] as const;
export const UsageWindowName = Type.Union([Type.Literal("1h"), Type.Literal("24h"), Type.Literal("7d"), Type.Literal("30d")], {
  description: "The window ending now: 1h, 24h, 7d or 30d",
});
export const UsageQuery = Type.Object({ window: Type.Optional(UsageWindowName) }, { additionalProperties: false });

const ResourceUsage = Type.Object({
  requested: Type.Number({ description: "On average while it ran: cores, GiB or GPUs" }),
  used: Type.Number({ description: "On average while it ran" }),
  requestedHours: Type.Number({ description: "Core-hours, GiB-hours or GPU-hours requested" }),
  usedHours: Type.Number({ description: "Core-hours, GiB-hours or GPU-hours used" }),
  efficiency: Type.Union([Type.Number(), Type.Null()], { description: "used ÷ requested, in percent; null when nothing was requested" }),
});

export const UsageNumbers = Type.Object({
  window: UsageWindowName,
  runningHours: Type.Number({ description: "Hours its pods ran in the window" }),
  cpu: ResourceUsage,
  memory: ResourceUsage,
  gpu: ResourceUsage,
});

const Advice = Type.Object({
  cpuMillicores: Type.Integer(),
  memoryMiB: Type.Integer(),
  current: Type.Object({ cpuMillicores: Type.Integer(), memoryMiB: Type.Integer() }),
  saving: Type.Object({
    cores: Type.Number(),
    memoryGiB: Type.Number(),
    coreHoursPerMonth: Type.Number(),
    gibHoursPerMonth: Type.Number(),
  }),
});

export const InstanceUsage = Type.Object({
  project: Type.String(),
  instance: Type.String(),
  platform: Type.String(),
  numbers: UsageNumbers,
  p95: Type.Union([Type.Object({ cores: Type.Number(), bytes: Type.Number() }), Type.Null()], {
    description: "95th percentile of usage per scrape over the window",
  }),
  current: Type.Union([Type.Object({ cores: Type.Number(), bytes: Type.Number(), gpus: Type.Number() }), Type.Null()], {
    description: "What it requests at the end of the window; null when it did not run then",
  }),
  advice: Type.Union([Advice, Type.Null()], { description: "p95 + 20 %, rounded up to 50m and 64 MiB, floors 100m and 128 MiB; null without usage" }),
});
export type InstanceUsageBody = Static<typeof InstanceUsage>;

export const InstanceUsageResponse = Type.Object({
  at: Type.Integer({ description: "Where the windows end (Unix seconds)" }),
  platform: Type.String(),
  windows: Type.Array(InstanceUsage, { description: "One per window, 1h to 30d" }),
});

export const UsagePoint = Type.Object({
  t: Type.Integer(),
  cpuUsed: Type.Union([Type.Number(), Type.Null()], { description: "Cores" }),
  cpuRequested: Type.Union([Type.Number(), Type.Null()]),
  memoryUsed: Type.Union([Type.Number(), Type.Null()], { description: "Bytes (the most in the step)" }),
  memoryRequested: Type.Union([Type.Number(), Type.Null()]),
});
export const UsageSeriesResponse = Type.Object({
  at: Type.Integer(),
  step: Type.Integer({ description: "Seconds between points" }),
  points: Type.Array(UsagePoint),
});

const GroupUsage = {
  numbers: UsageNumbers,
  instances: Type.Integer(),
  saving: Type.Object(
    { cores: Type.Number(), memoryGiB: Type.Number(), coreHoursPerMonth: Type.Number() },
    { description: "What following every advice that lowers requests would save" },
  ),
};

export const UsageReport = Type.Object({
  at: Type.Integer(),
  window: UsageWindowName,
  total: Type.Object(GroupUsage),
  labs: Type.Array(Type.Object({ lab: Type.Union([Type.String(), Type.Null()]), ...GroupUsage })),
  projects: Type.Array(Type.Object({ project: Type.String(), lab: Type.Union([Type.String(), Type.Null()]), ...GroupUsage })),
  instances: Type.Array(InstanceUsage),
  topWasters: Type.Array(InstanceUsage, { description: "Most requested core-hours unused first (at most 10)" }),
  unavailable: Type.Array(Type.String(), { description: "Platforms whose metrics could not be read" }),
});
export type UsageReportBody = Static<typeof UsageReport>;

export const ResizeBody = Type.Object(
  {
    cpu: Type.Optional(Type.String({ maxLength: 20, description: "A Kubernetes quantity for the whole instance: 250m, 1, 1.5" })),
    memory: Type.Optional(Type.String({ maxLength: 20, description: "512Mi, 2Gi" })),
    advice: Type.Optional(Type.Boolean({ description: "Apply the 30-day advice (the default when neither cpu nor memory is given)" })),
    dryRun: Type.Optional(Type.Boolean({ description: "Say what would be asked, commit nothing" })),
  },
  { additionalProperties: false },
);
export type ResizeBody = Static<typeof ResizeBody>;
