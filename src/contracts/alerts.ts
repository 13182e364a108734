// The API of the labs' alerts (ADR 0029): the receiver vmalert posts to (Alertmanager API v2),
// a lab's rules, and the operators' series report of a platform ("monitor better, not more").
import { Type, type Static } from "typebox";
import { ALERT_ACTIONS } from "./codes.js";

/** The rules Plateau offers a lab (the same list as core's ALERT_RULES). */
export const ALERT_RULE_IDS = ["instance-down", "restart-loop", "volume-full", "quota-nearly-used", "expiring-soon"] as const;

const OneOf = <T extends string>(codes: readonly T[], description: string) => Type.Unsafe<T>({ type: "string", enum: [...codes], description });

/** What vmalert posts: Alertmanager's `POSTableAlerts`, read leniently (anything else in an alert is ignored). */
export const PostedAlerts = Type.Array(
  Type.Object(
    {
      labels: Type.Record(Type.String({ maxLength: 200 }), Type.String({ maxLength: 2000 })),
      annotations: Type.Optional(Type.Record(Type.String({ maxLength: 200 }), Type.String({ maxLength: 4000 }))),
      startsAt: Type.Optional(Type.String({ maxLength: 40 })),
      endsAt: Type.Optional(Type.String({ maxLength: 40 })),
      generatorURL: Type.Optional(Type.String({ maxLength: 2000 })),
    },
    { additionalProperties: true },
  ),
  { maxItems: 5000 },
);

export const ReceivedAlerts = Type.Object({
  /** Alerts that became a notice (or were one already: notices are delivered once per firing). */
  published: Type.Integer(),
  /** Resolved, not Plateau's, or about a project outside the lab the rule names. */
  ignored: Type.Integer(),
});

export const PlatformParams = Type.Object({ platform: Type.String() });
export const SeriesReportQuery = Type.Object({ top: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })) });

const Count = Type.Object({ name: Type.String(), series: Type.Integer() });
export const SeriesReportBody = Type.Object({
  platform: Type.String(),
  totalSeries: Type.Integer(),
  byMetric: Type.Array(Count),
  byLabel: Type.Array(Count),
  topProducers: Type.Array(
    Type.Object({
      namespace: Type.String(),
      project: Type.Union([Type.String(), Type.Null()]),
      lab: Type.Union([Type.String(), Type.Null()]),
      series: Type.Integer(),
    }),
  ),
  labs: Type.Array(Type.Object({ lab: Type.String(), series: Type.Integer(), budget: Type.Integer(), over: Type.Boolean() })),
});
export type SeriesReportBody = Static<typeof SeriesReportBody>;

export const LabAlertsBody = Type.Object({
  lab: Type.String(),
  projects: Type.Array(Type.String()),
  rules: Type.Array(
    Type.Object({
      id: OneOf(ALERT_RULE_IDS, "The rule"),
      threshold: Type.Union([Type.Number(), Type.Null()]),
      forMinutes: Type.Integer(),
      severity: Type.Union([Type.Literal("warning"), Type.Literal("critical")]),
      action: OneOf(ALERT_ACTIONS, "The action its alerts name, as a code"),
    }),
  ),
});
export type LabAlertsBody = Static<typeof LabAlertsBody>;
