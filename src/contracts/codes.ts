// The codes of the API: what clients act on and translate, instead of reading English
// (ADR 0018). Each list is the one source of truth: core's error classes, events and
// placement take their codes from the types below, the API's schemas (api.ts) enumerate
// them, and the portal's texts must translate every one (a test fails otherwise). Adding a
// code is adding it here; its English sentence stays beside it in the message, for logs and
// the CLI. Nothing here imports other code: the portal and the CLI use it at run time.

/** The parameters of a code: the values its sentence names, to be put in a translation. */
export type CodeParams = Readonly<Record<string, string | number>>;

/** The category of an error (`error.code`): how the client reacts in general (HTTP status, exit code). */
export const ERROR_CATEGORIES = [
  "input",
  "not-found",
  "conflict",
  "not-allowed",
  "quota-exceeded",
  "unavailable",
  "rate-limited",
  "unauthenticated",
  "internal",
] as const;
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

/**
 * What exactly went wrong (`error.reason`, with `error.params`), for the cases a client acts
 * on or words differently from its category: the portal's name field says a name is taken,
 * a quota names the resource… An error without a reason is its category and nothing more.
 * Refusals of access (401, 403, 404) never carry one: a 404 must read the same whether the
 * thing is missing or hidden (ADR 9), and the project's view says beforehand what one may do.
 */
export const ERROR_REASONS = [
  // input
  "no-eligible-platform", // no platform can run the launch; the issue at /platform names each and why
  "pinning-not-allowed", // choosing the platform is not allowed by this Plateau
  "no-object-storage", // {platform}: the platform asked for (or every platform) has no object storage (spec.s3) for a bucket
  "replica-refused", // {platform, site}: a bucket's replica must be another site's platform with object storage
  // conflict
  "name-taken", // {project, name}: an instance of that name exists
  "bucket-in-use", // {project, bucket, instances}: instances are attached to the bucket being removed (ADR 0031)
  "project-name-taken", // {project}
  "bucket-name-taken", // {name, project}: a bucket of that name exists, in this project or another (S3 names are shared)
  "no-free-name", // no generated instance name was free: give one
  "request-replayed-removed", // {target, commit}: the idempotency key launched an instance since removed
  "not-stoppable", // {instance}: a Helm chart nothing scales to zero (ADR 24), or one launched before it without global.suspend
  "not-resizable", // {instance}: its template has no size preset, or its chart's values no resources.requests (the message says which)
  "no-usage-advice", // {instance}: no right-sizing advice, as its platform's metrics say nothing of it running now (docs/metrics.md)
  "stopped-does-not-expire", // {instance, days}: renewing a stopped instance
  "personal-project-members", // {project}: a personal project has one member, its owner
  "platform-without-argocd", // {platform, chart}
  "chart-refused", // {chart, platform, rule, object, count}: the rendered chart would be refused there (the message lists every finding)
  "platform-undeclared", // {platform}: no longer in the desired-state repository
  "no-engine", // {platform}
  "credentials-in-cluster", // {platform}: a noobaa platform's bucket keys stay in the cluster (the Secret named like the bucket)
  "no-volume-backups", // {platform}: the platform keeps no volume backups Plateau takes (no spec.backups, or not podman): nothing to back up, restore or drill; ADR 0034
  "backup-corrupt", // {backup, claim}: an archive of the backup does not match its checksum; nothing was restored (ADR 0034)
  "no-recovery-platform", // {platform}: no platform names it in `recoveryFor`: nowhere to fail over to (ADR 0034)
  "backup-not-completed", // {backup, platform, phase}: a failback's fresh backup did not complete in time; nothing was moved
  "drill-on-cluster", // {platform}: drills run on podman platforms for now (docs/recovery.md#drills)
  "drill-running", // {platform}: a drill of the platform is running: wait for its report
  "repository-not-initialized",
  "repository-moved", // someone committed at the same time: retry
  // quota-exceeded
  "quota-exceeded", // {scope, name, resource, unit, asked, used, limit, remaining}
  "lab-project-limit", // {lab, limit, used}
  // unavailable
  "identity-provider-unreachable", // {provider}
  "write-lock-timeout", // {seconds}: another replica's write held the lock too long: retry with the same idempotency key
  "write-lock-lost", // the write lock was lost before the commit left this replica: nothing was written; retry
  "shutting-down", // this replica is stopping: retry (another replica answers)
] as const;
export type ErrorReason = (typeof ERROR_REASONS)[number];

/**
 * What an event of an instance says happened (`kind`, with `params`), written by the
 * reconciler from what the platform's engine did. `message` stays beside it in English.
 */
export const EVENT_KINDS = [
  "applying", // {revision, platform}: the platform starts applying a revision
  "pulling", // {image}
  "starting", // the workload is being started
  "replacing", // the previous revision (or an older Plateau's pod) is being replaced
  "waiting", // waiting for the application to answer
  "restoring", // {backup, takenAt}: its volumes are being restored from a backup before it starts (ADR 0034)
  "running",
  "reported", // {phase, reason}: the platform reports a phase other than running or failed
  "failed", // {reason}: the platform reports a failure
  "action-failed", // {action, reason}: applying, stopping or removing failed
  "stopped",
  "other", // {message}: an event without a kind (recorded before kinds existed)
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/**
 * Why an instance is in its observed phase (`reasonCode` of its status and view, with
 * `reasonParams`), set by the reconciler and the instance views. `reason` stays beside it in
 * English; what an engine says in its own words (not coded yet) is `reported` with that text.
 */
export const STATUS_REASONS = [
  "committed", // the change is committed; waiting for the platform to apply it
  "stop-requested",
  "start-requested",
  "applying", // {revision}: the platform applies a revision
  "pulling", // {image}
  "starting", // the workload is being started
  "replacing", // the previous revision is being replaced
  "waiting", // waiting for the application to answer
  "restoring", // {backup, takenAt}: its volumes are being restored from a backup
  "stopping", // its workload goes, its data is kept
  "stopped", // its data is kept
  "removing", // its workload and its data go
  "platform-unavailable", // {platform, detail}: the engine's words (and its hint)
  "action-failed", // {action, reason}: applying, stopping or removing failed
  "retry-scheduled", // {reason, seconds}: applying failed; the next attempt is in `seconds`
  "reported", // {reason}: what the platform reports, in its words
] as const;
export type StatusReason = (typeof STATUS_REASONS)[number];

/** The steps an engine reports while it applies (a subset of the event kinds). */
export type EngineStep = Extract<EventKind, "pulling" | "starting" | "replacing" | "waiting" | "restoring">;

/** Why placement left a platform out (`excluded[].code`, with `params`). */
export const EXCLUSION_REASONS = [
  "not-pinned", // {pinned}: another platform was asked for
  "bucket-elsewhere", // {bucket, platform}: its NooBaa bucket is on another platform, whose keys stay there
  "no-engine", // {engine}
  "no-helm", // {engine}: only platforms with Argo CD run Helm charts
  "recovery-only", // {recoveryFor}: a recovery site, used when pinned
  "tier", // {tier, tiers}
  "site", // {site, required}
  "storage-class", // {storageClass, offered}
  "no-gpu", // one machine that declares no GPU pool
  "no-pool-fits", // {wanted, offered}
  "full", // {resource, free, capacity, asked, unit}
] as const;
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number];

/**
 * Which quota a launch would not fit, and who may raise it (`quota.code` of a placement, with
 * `params` {name, resource, unit, asked, used, limit, remaining, needed, option}): `needed` is
 * the quota that would let it fit, `option` the `plateau projects quota` option that sets it.
 * The same figures as the `quota-exceeded` refusal the launch itself would meet.
 */
export const QUOTA_BLOCKS = [
  "project-quota", // a lab project's quota: its lab's admins raise it (plateau projects quota)
  "personal-quota", // a personal project's quota: platform operators raise it (plateau projects quota)
  "lab-quota", // the lab's quota, all its projects together: platform operators raise it in labs/<lab>.yaml
] as const;
export type QuotaBlockCode = (typeof QUOTA_BLOCKS)[number];

/** Why placement chose its platform (`reasonCodes[]`, with `params` each). */
export const CHOICE_REASONS = [
  "pinned", // requested by the user
  "bucket", // {name, platform}: where its NooBaa bucket is
  "only-eligible", // the only eligible platform
  "highest-score", // {count, scores}: the best of `count` eligible platforms
  "unavailable", // {reason}: chosen though unavailable now; it runs once the platform is back
] as const;
export type ChoiceReason = (typeof CHOICE_REASONS)[number];

/** The criteria a candidate is scored on (`candidates[].scores`). */
export const SCORE_CRITERIA = ["availability", "capacity", "affinity", "spread"] as const;
export type ScoreCriterion = (typeof SCORE_CRITERIA)[number];

/** What the caller may do to a project (`may` of a project's view), decided by core/access/policy.ts. */
export const PROJECT_ABILITIES = ["read", "launch", "manageMembers", "setQuota", "setTiers"] as const;
export type ProjectAbility = (typeof PROJECT_ABILITIES)[number];

/**
 * What a lab's alert says happened (a notice's `kind`, ADR 0029), one per rule of Plateau, with
 * `params` {rule, lab, project, instance, command, summary, and persistentvolumeclaim, quota or
 * resource when the rule names them}.
 */
export const ALERT_NOTICE_KINDS = ["alert-instance-down", "alert-restart-loop", "alert-volume-full", "alert-quota-nearly-used", "alert-expiring-soon"] as const;
export type AlertNoticeKind = (typeof ALERT_NOTICE_KINDS)[number];

/** The one action a lab's alert names (a notice's `action`). */
export const ALERT_ACTIONS = ["open-instance-logs", "free-volume", "raise-quota", "renew"] as const;
export type AlertAction = (typeof ALERT_ACTIONS)[number];

/**
 * What a notice tells people (`kind` of a notice, ADR 28), with `params`: the instance
 * (`project/name`) and when (`due`, ISO 8601); and the labs' alerts.
 */
export const NOTICE_KINDS = [
  "idle-stop-planned", // {instance, due}: idle, it will be stopped then (its data kept)
  "idle-remove-planned", // {instance, due}: stopped for long, it will be removed then, its data with it
  "drill-overdue", // {project, days, since}: its latest recovery drill (or its creation, never drilled) is older than drillEveryDays (ADR 0034)
  ...ALERT_NOTICE_KINDS,
] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/** The one action that prevents what a notice announces (`action` of a notice). */
export const NOTICE_ACTIONS = [
  "keep", // keep the instance: `plateau keep <project>/<instance>` or *Keep it* in the portal
  "run-drill", // an operator runs `plateau recovery drill <platform>` (the project's recovery view says which)
  ...ALERT_ACTIONS,
] as const;
export type NoticeAction = (typeof NOTICE_ACTIONS)[number];

/** Why a drill's copy of an instance did not answer (`error.code` of an instance of a drill's report, ADR 0034). */
export const DRILL_FAILURES = ["no-backup", "backup-corrupt", "restore-failed", "render-failed", "apply-failed", "not-answering"] as const;
export type DrillFailure = (typeof DRILL_FAILURES)[number];

/** Whether the provider holds a bucket as git says (`status` of a bucket's view, ADR 30). */
export const BUCKET_STATUSES = ["ready", "pending", "failed", "unknown"] as const;
export type BucketStatus = (typeof BUCKET_STATUSES)[number];

/** How a bucket's replica on another platform stands (`replica.state` of a bucket's view). */
export const BUCKET_REPLICA_STATES = ["pending", "configured", "in-sync", "lagging", "failed", "unknown"] as const;
export type BucketReplicaState = (typeof BUCKET_REPLICA_STATES)[number];

/**
 * Why a failover or failback leaves an instance where it is (`skipped.code` of a recovery
 * report, with `skipped.params`; ADR 0034).
 */
export const RECOVERY_SKIP_REASONS = [
  "no-recovery-platform", // {platform}: no platform names the failed one in `recoveryFor`
  "cannot-run-there", // {platform, reason}: placement refuses it on the recovery site (the reason says why, as a pinned move would)
] as const;
export type RecoverySkipReason = (typeof RECOVERY_SKIP_REASONS)[number];

/** Where an instance of a recovery report stands (`state`). */
export const RECOVERY_STATES = [
  "failed-over", // on the recovery site, moved there by a failover
  "failed-back", // back on its platform, moved there by a failback
  "skipped", // left where it is (see `skipped`)
] as const;
export type RecoveryState = (typeof RECOVERY_STATES)[number];
