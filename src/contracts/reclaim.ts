// The API of idle reclaim and notifications (ADR 28): the operators' dry-run report, a
// person's notices, and the *keep it* that prevents an announced step.
import { Type, type Static } from "typebox";
import { NOTICE_ACTIONS, NOTICE_KINDS } from "./codes.js";

const Freed = Type.Object(
  {
    cpu: Type.Number({ description: "Cores requested by the pods it stops" }),
    memoryGiB: Type.Number(),
    gpu: Type.Number(),
    storageGiB: Type.Number({ description: "Storage of the volumes it removes" }),
  },
  { description: "What the step frees once done" },
);

export const ReclaimItem = Type.Object({
  project: Type.String(),
  instance: Type.String(),
  platform: Type.String(),
  state: Type.Union([Type.Literal("running"), Type.Literal("stopped")]),
  step: Type.Union([Type.Literal("notify"), Type.Literal("stop"), Type.Literal("remove"), Type.Literal("cancel"), Type.Literal("pending")], {
    description: "What the policy does now: announce a step (notify), take it, or cancel one announced; pending: announced before, due later",
  }),
  what: Type.Union([Type.Literal("stop"), Type.Literal("remove"), Type.Literal("cancel")], { description: "The step announced or taken" }),
  due: Type.String({ description: "When the step happens (ISO 8601): for one taken now, now" }),
  why: Type.String({ description: "`idle 73 h`, `stopped 31 d`, or why a step is cancelled (activity, exempt, policy, no-metrics)" }),
  hoursIdle: Type.Optional(Type.Integer()),
  lastActiveAt: Type.Optional(Type.String()),
  frees: Freed,
});

export const ReclaimReport = Type.Object({
  at: Type.String(),
  items: Type.Array(ReclaimItem),
  frees: Freed,
  platformsWithoutMetrics: Type.Array(Type.String(), { description: "Nothing is ever reclaimed on these platforms: they have no metrics" }),
  exempt: Type.Integer({ description: "Instances exempt from reclaim" }),
});
export type ReclaimReport = Static<typeof ReclaimReport>;

export const ReclaimReportQuery = Type.Object({ lab: Type.Optional(Type.String({ maxLength: 63 })) }, { additionalProperties: false });

export const Notice = Type.Object({
  key: Type.String({ description: "The notice's identity: one notice per key" }),
  kind: Type.String({ description: `What it tells: a code of src/contracts/codes.ts (${NOTICE_KINDS.join(", ")}, and those of other features)` }),
  params: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()])),
  project: Type.String(),
  instance: Type.Optional(Type.String()),
  due: Type.Optional(Type.String({ description: "When what it announces happens" })),
  action: Type.Optional(Type.String({ description: `The one action that prevents it (${NOTICE_ACTIONS.join(", ")})` })),
  createdAt: Type.String(),
  readAt: Type.Union([Type.String(), Type.Null()]),
});
export type Notice = Static<typeof Notice>;

export const NoticeQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }, { additionalProperties: false });
export const MarkReadBody = Type.Object({ keys: Type.Array(Type.String({ maxLength: 500 }), { minItems: 1, maxItems: 500 }) }, { additionalProperties: false });
export const MarkReadResponse = Type.Object({ marked: Type.Integer() });
