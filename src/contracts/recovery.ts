// The API of disaster recovery (ADR 0034). Each part in its own block: drills here; backups and
// failover beside it.
import { Type, type Static } from "typebox";

// ---- Drills: copies restored into a scratch project, RTO and RPO measured (docs/recovery.md#drills) ----

export const DrillError = Type.Object(
  {
    code: Type.String({ description: "What went wrong, as a code: no-backup, restore-failed, apply-failed, not-answering, backup-corrupt…" }),
    message: Type.String(),
  },
  { additionalProperties: false },
);

export const DrillInstance = Type.Object(
  {
    project: Type.String(),
    instance: Type.String(),
    backup: Type.Union([Type.Object({ id: Type.String(), takenAt: Type.String() }, { additionalProperties: false }), Type.Null()], {
      description: "The backup restored (its newest); null: it has none, nothing was restored",
    }),
    rpoSeconds: Type.Union([Type.Number(), Type.Null()], { description: "The drill's start minus the backup's takenAt: the data a recovery now would lose" }),
    rtoSeconds: Type.Union([Type.Number(), Type.Null()], { description: "From the start of its restore to its copy answering on its address" }),
    answered: Type.Boolean({ description: "Its copy answered an HTTP request on its address" }),
    error: Type.Optional(DrillError),
  },
  { additionalProperties: false },
);
export type DrillInstance = Static<typeof DrillInstance>;

export const DrillReport = Type.Object(
  {
    id: Type.String(),
    platform: Type.String({ description: "The platform whose instances were drilled" }),
    recoverySite: Type.String({ description: "The platform the copies ran on" }),
    startedAt: Type.String(),
    finishedAt: Type.String(),
    scratchProject: Type.String({ description: "The project the copies ran in, removed after (a name no tenant can own)" }),
    instances: Type.Array(DrillInstance),
    overheadSeconds: Type.Number({ description: "The drill's time beyond its instances' restores (finding backups, cleaning up)" }),
  },
  { additionalProperties: false },
);
export type DrillReport = Static<typeof DrillReport>;

export const DrillsQuery = Type.Object(
  {
    platform: Type.Optional(Type.String({ maxLength: 63 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  },
  { additionalProperties: false },
);

export const DrillList = Type.Object({ drills: Type.Array(DrillReport) });

/** A project's recovery as its members see it: its policy, its instances' newest backups, its latest drill. */
export const ProjectRecovery = Type.Object({
  project: Type.String(),
  policy: Type.Object({
    backups: Type.Boolean(),
    everyHours: Type.Integer(),
    retentionDays: Type.Integer(),
    drillEveryDays: Type.Integer(),
    why: Type.Union([Type.Literal("project-file"), Type.Literal("institutional"), Type.Literal("not-institutional")]),
  }),
  instances: Type.Array(
    Type.Object({
      instance: Type.String(),
      platform: Type.String(),
      newestBackup: Type.Union([Type.Object({ id: Type.String(), takenAt: Type.String() }), Type.Null()]),
    }),
  ),
  latestDrill: Type.Union([
    Type.Object({
      id: Type.String(),
      platform: Type.String(),
      recoverySite: Type.String(),
      startedAt: Type.String(),
      finishedAt: Type.String(),
      instances: Type.Array(DrillInstance),
    }),
    Type.Null(),
  ]),
  drillOverdue: Type.Boolean({ description: "Backed up, and its latest drill (or its creation, without one) is older than drillEveryDays" }),
  drillDueAt: Type.Union([Type.String(), Type.Null()], { description: "When its next drill is due (null: not backed up)" }),
});
export type ProjectRecovery = Static<typeof ProjectRecovery>;

// ---- end of drills ----
