// The API of disaster recovery (ADR 0034). Each part in its own block: drills here; backups and
// failover beside it.
import { Type, type Static } from "typebox";
import { RECOVERY_SKIP_REASONS, RECOVERY_STATES } from "./codes.js";

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

// ---- Failover and failback: what each did, or had done, to each instance of a platform (docs/recovery.md#failover-and-failback) ----

const OneOf = <T extends string>(codes: readonly T[], description: string) => Type.Unsafe<T>({ type: "string", enum: [...codes], description });

export const RecoveryBackup = Type.Object(
  {
    id: Type.String({ description: "The backup's id on its platform (a Velero Backup's name on a cluster, a backup id on podman)" }),
    platform: Type.String({ description: "The platform whose backups hold it" }),
    takenAt: Type.String({ description: "When its data was read (ISO 8601): what came after is lost (RPO)" }),
  },
  { description: "The backup the instance's volumes are restored from" },
);

export const RecoveryItem = Type.Object({
  project: Type.String(),
  instance: Type.String(),
  from: Type.String({ description: "The platform it left (or, skipped, where it stays)" }),
  to: Type.String({ description: "The platform it runs on after the step (skipped: where it stays)" }),
  state: OneOf(RECOVERY_STATES, "failed-over, failed-back, or skipped (src/contracts/codes.ts)"),
  instanceState: Type.Union([Type.Literal("running"), Type.Literal("stopped")], { description: "Whether it runs: a stopped instance moves too, stopped" }),
  backup: Type.Union([RecoveryBackup, Type.Null()], { description: "null: no backup was found, it starts empty there" }),
  rpoSeconds: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
    description: "The step's time − the backup's takenAt: the data lost; null without backup",
  }),
  rtoSeconds: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
    description: "From the step's commit until the instance was observed running where it is now; null until then (or stopped)",
  }),
  bucket: Type.Optional(Type.Object({ name: Type.String(), platform: Type.String() }, { description: "Its attached bucket, the replica once failed over" })),
  skipped: Type.Optional(
    Type.Object({
      code: OneOf(RECOVERY_SKIP_REASONS, "Why it stays, for clients to translate (src/contracts/codes.ts), with params"),
      reason: Type.String({ description: "In English, for logs and the CLI" }),
      params: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()])),
    }),
  ),
});
export type RecoveryItem = Static<typeof RecoveryItem>;

export const RecoveryReport = Type.Object({
  platform: Type.String({ description: "The platform failed over (or failed back to)" }),
  recoveryPlatform: Type.Union([Type.String(), Type.Null()], { description: "Its recovery site (the platform whose recoveryFor names it)" }),
  state: Type.Union([Type.Literal("normal"), Type.Literal("failed-over")], {
    description: "failed-over while instances moved by a failover are on the recovery site",
  }),
  action: Type.Union([Type.Literal("failover"), Type.Literal("failback"), Type.Null()], { description: "The last step taken (null: none yet)" }),
  commit: Type.Union([Type.String(), Type.Null()], { description: "The last step's commit (null: none)" }),
  at: Type.Union([Type.String(), Type.Null()], { description: "When it was committed (ISO 8601)" }),
  by: Type.Union([Type.String(), Type.Null()], { description: "Who asked" }),
  reason: Type.Union([Type.String(), Type.Null()], { description: "The operator's reason, for a failover" }),
  items: Type.Array(RecoveryItem),
});
export type RecoveryReport = Static<typeof RecoveryReport>;

/** The platforms that have a recovery site, and how each stands: the portal's Recovery page. */
export const RecoveryOverview = Type.Object({ items: Type.Array(RecoveryReport) });
export type RecoveryOverview = Static<typeof RecoveryOverview>;

export const FailoverBody = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 300, description: "Why (said in the commit and in each placement's reason)" }) },
  { additionalProperties: false },
);
export type FailoverBody = Static<typeof FailoverBody>;

export const RecoveryPlatformParams = Type.Object({ platform: Type.String({ pattern: "^[a-z]([-a-z0-9]*[a-z0-9])?$", maxLength: 63 }) });
