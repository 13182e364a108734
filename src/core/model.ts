// The domain model of desired state: what the files of the desired-state repository hold.
// Each kind has a TypeBox schema (checked when a file is read, so a hand-edited file that
// breaks the rules is reported, never half-understood) and a deterministic serializer.
import { Type, type Static } from "typebox";
import { Value } from "typebox/value";
import { InputError, type InputIssue } from "./errors.js";
import { checkAlertSettings } from "./alerts/rules.js";
import { regionIssues } from "./platforms/region.js";
import { bucketNameIssue } from "../contracts/bucket-names.js";
import { fromYaml, toYaml } from "./yaml.js";

export const API_VERSION = "plateau.io/v1";

const Name = Type.String({ pattern: "^[a-z]([-a-z0-9]*[a-z0-9])?$", maxLength: 63 });

/** A pool of identical nodes of a platform: per-node resources, and how many nodes. */
export const PoolSchema = Type.Object(
  {
    name: Name,
    nodes: Type.Integer({ minimum: 0, maximum: 100000 }),
    /** Per node, in cores and GiB. */
    cpu: Type.Number({ minimum: 0, maximum: 100000 }),
    memoryGiB: Type.Number({ minimum: 0, maximum: 1000000 }),
    gpu: Type.Optional(
      Type.Object({ type: Type.String({ maxLength: 100 }), count: Type.Integer({ minimum: 0, maximum: 64 }) }, { additionalProperties: false }),
    ),
    labels: Type.Optional(Type.Record(Type.String({ maxLength: 317 }), Type.String({ maxLength: 63 }))),
    taints: Type.Optional(
      Type.Array(
        Type.Object(
          {
            key: Type.String({ maxLength: 317 }),
            value: Type.Optional(Type.String({ maxLength: 63 })),
            effect: Type.Union([Type.Literal("NoSchedule"), Type.Literal("PreferNoSchedule"), Type.Literal("NoExecute")]),
          },
          { additionalProperties: false },
        ),
        { maxItems: 20 },
      ),
    ),
  },
  { additionalProperties: false },
);
export type Pool = Static<typeof PoolSchema>;

/** A Kubernetes toleration, as pods carry them. */
const TolerationSchema = Type.Object(
  {
    key: Type.Optional(Type.String({ maxLength: 317 })),
    operator: Type.Optional(Type.Union([Type.Literal("Exists"), Type.Literal("Equal")])),
    value: Type.Optional(Type.String({ maxLength: 63 })),
    effect: Type.Optional(Type.Union([Type.Literal("NoSchedule"), Type.Literal("PreferNoSchedule"), Type.Literal("NoExecute")])),
    tolerationSeconds: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
const NodeSelectorSchema = Type.Record(Type.String({ maxLength: 317 }), Type.String({ maxLength: 63 }));
/** A Kubernetes quantity as Onyxia's region resources write them (`100m`, `2`, `4Gi`). */
const QuantitySchema = Type.String({ pattern: "^[0-9]+(\\.[0-9]+)?(m|Ki|Mi|Gi|Ti)?$", maxLength: 20 });
const SliderSchema = Type.Object(
  {
    sliderMin: Type.Number({ minimum: 0 }),
    sliderMax: Type.Number({ minimum: 0 }),
    sliderStep: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    sliderUnit: Type.Optional(Type.String({ maxLength: 10 })),
  },
  { additionalProperties: false },
);

/**
 * What a platform gives the Helm charts launched on it, as Onyxia's `regions` do (its key
 * names kept: `services.defaultConfiguration`, `services.expose`, `services.customValues`,
 * `services.initScript`): charts read it through `{{region.*}}` and `{{k8s.*}}`. The rules
 * JSON Schema cannot say are in platforms/region.ts.
 */
export const RegionSchema = Type.Object(
  {
    /** The initialization script charts run at start (`{{k8s.initScriptUrl}}`); https only. */
    initScript: Type.Optional(Type.String({ pattern: "^https://\\S+$", maxLength: 500 })),
    /**
     * The SHA-256 of that script, as `sha256sum` prints it (64 lowercase hex digits):
     * `{{k8s.initScriptCheckSum}}`, which charts hand their pod (`REGION_INIT_SCRIPT_CHECKSUM`)
     * to check what they fetched. Onyxia's region kept it as `customInitScript.checksum`. The
     * operator writes it: Plateau fetches nothing at launch.
     */
    initScriptCheckSum: Type.Optional(Type.String({ pattern: "^[0-9a-f]{64}$" })),
    /** How instances are reached (Onyxia's `expose`; the domain is `spec.domain`). */
    expose: Type.Optional(
      Type.Object(
        {
          /** Default: `spec.ingressClass`. */
          ingressClassName: Type.Optional(Type.String({ maxLength: 63 })),
          /** Whether charts create an Ingress (default: on Kubernetes platforms). */
          ingress: Type.Optional(Type.Boolean()),
          /** Whether charts create an OpenShift Route (default: on OpenShift platforms). */
          route: Type.Optional(Type.Boolean()),
          certManager: Type.Optional(
            Type.Object(
              { useCertManager: Type.Boolean(), certManagerClusterIssuer: Type.Optional(Type.String({ maxLength: 253 })) },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    /** Onyxia's `services.defaultConfiguration`: the defaults charts read as `region.*`. */
    defaultConfiguration: Type.Optional(
      Type.Object(
        {
          /** `region.defaultNetworkPolicy`: whether charts isolate their pods with a NetworkPolicy. */
          networkPolicy: Type.Optional(Type.Boolean()),
          /** `region.from`: the NetworkPolicy peers allowed in besides the namespace (e.g. the ingress controller's namespace). */
          from: Type.Optional(Type.Array(Type.Record(Type.String({ maxLength: 100 }), Type.Unknown()), { maxItems: 50 })),
          /** `region.resources`: default requests and limits, and the default disk and GPU count. */
          resources: Type.Optional(
            Type.Object(
              {
                cpuRequest: Type.Optional(QuantitySchema),
                cpuLimit: Type.Optional(QuantitySchema),
                memoryRequest: Type.Optional(QuantitySchema),
                memoryLimit: Type.Optional(QuantitySchema),
                disk: Type.Optional(QuantitySchema),
                gpu: Type.Optional(Type.String({ pattern: "^[0-9]+$", maxLength: 3 })),
              },
              { additionalProperties: false },
            ),
          ),
          /** `region.sliders`: the bounds of the sliders charts name with `x-onyxia.useRegionSliderConfig` (the maxima of the platform). */
          sliders: Type.Optional(
            Type.Object(
              { cpu: Type.Optional(SliderSchema), memory: Type.Optional(SliderSchema), disk: Type.Optional(SliderSchema), gpu: Type.Optional(SliderSchema) },
              { additionalProperties: false },
            ),
          ),
          /** Node selector and tolerations of every pod, whatever its pool (a pool's own are added: `pools`). */
          nodeSelector: Type.Optional(NodeSelectorSchema),
          tolerations: Type.Optional(Type.Array(TolerationSchema, { maxItems: 20 })),
          /** `region.startupProbe`: the probe charts give their main container. */
          startupProbe: Type.Optional(Type.Record(Type.String({ maxLength: 100 }), Type.Unknown())),
          /** `region.openshiftSCC`: whether charts bind their service account to an SCC (leave off where restricted-v2 must hold). */
          openshiftSCC: Type.Optional(
            Type.Object({ enabled: Type.Boolean(), scc: Type.Optional(Type.String({ maxLength: 100 })) }, { additionalProperties: false }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    /**
     * Per pool (by name): the node selector and tolerations of a pod placed there. Absent for a
     * pool: its `labels` as node selector, and a toleration of each of its taints.
     */
    pools: Type.Optional(
      Type.Record(
        Type.String({ maxLength: 63 }),
        Type.Object(
          { nodeSelector: Type.Optional(NodeSelectorSchema), tolerations: Type.Optional(Type.Array(TolerationSchema, { maxItems: 20 })) },
          { additionalProperties: false },
        ),
      ),
    ),
    /**
     * Values merged into every chart's values (`region.customValues` too): a field the chart's
     * form declares gets it as its default (the person may change it unless the field is hidden
     * or read-only); what the form does not declare is imposed on the committed values.
     */
    customValues: Type.Optional(Type.Record(Type.String({ maxLength: 200 }), Type.Unknown())),
  },
  { additionalProperties: false },
);
export type Region = Static<typeof RegionSchema>;

/** A Prometheus label name. */
const MetricLabelName = Type.String({ pattern: "^[a-zA-Z_][a-zA-Z0-9_]*$", maxLength: 100 });

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
        ingressClass: Type.Optional(Type.String({ maxLength: 63 })),
        /** Storage classes instances may ask for; the first is the default. */
        storageClasses: Type.Optional(Type.Array(Type.String({ pattern: "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", maxLength: 63 }), { maxItems: 50 })),
        /** Groups of identical nodes: what placement checks a size against. Absent: capacity unknown (one machine). */
        pools: Type.Optional(Type.Array(PoolSchema, { maxItems: 100 })),
        argocd: Type.Optional(
          Type.Object(
            {
              /** The Argo CD API, for status (`https://argocd.example.org`). */
              url: Type.String({ pattern: "^https?://", maxLength: 500 }),
              /** Where Argo CD runs on the cluster (e.g. openshift-gitops). */
              namespace: Type.String({ pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", maxLength: 63 }),
              /** The URL Argo CD clones the desired-state repository from. */
              repoURL: Type.String({ maxLength: 500 }),
              /** The environment variable holding its API token (never the token itself: this file is public). */
              tokenEnv: Type.Optional(Type.String({ pattern: "^[A-Z_][A-Z0-9_]*$", maxLength: 100 })),
              /** The branch Argo CD follows (default: main). */
              targetRevision: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9._/-]+$", maxLength: 200 })),
              /** The cluster instances run on, as Argo CD names it (default: the cluster Argo CD runs in). */
              destinationServer: Type.Optional(Type.String({ pattern: "^https?://\\S+$", maxLength: 500 })),
              /** The service account of Argo CD's repo-server, whose secrets plugin reads projects' Secrets (default: argocd-repo-server). */
              repoServerServiceAccount: Type.Optional(Type.String({ pattern: "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", maxLength: 253 })),
            },
            { additionalProperties: false },
          ),
        ),
        /** The cluster's API, where Plateau hands generated secrets over (they never go to git); its token is named, never written here. */
        kubernetes: Type.Optional(
          Type.Object(
            {
              apiURL: Type.String({ pattern: "^https?://\\S+$", maxLength: 500 }),
              tokenEnv: Type.String({ pattern: "^[A-Z_][A-Z0-9_]*$", maxLength: 100 }),
            },
            { additionalProperties: false },
          ),
        ),
        /** Where the platform's metrics are read: the Prometheus query API, as VictoriaMetrics serves it (docs/metrics.md). */
        metrics: Type.Optional(
          Type.Object(
            {
              /** The API's base, `/api/v1/query` is added (`https://vmselect.example.org/select/0/prometheus`). */
              url: Type.String({ pattern: "^https?://\\S+$", maxLength: 500 }),
              /** The environment variable holding a bearer token for it (never the token: this file is public). */
              tokenEnv: Type.Optional(Type.String({ pattern: "^[A-Z_][A-Z0-9_]*$", maxLength: 100 })),
              /** The labels that carry the namespace (a project), the pod and the container (defaults: namespace, pod, container, as cAdvisor and kube-state-metrics write them). */
              labels: Type.Optional(
                Type.Object(
                  { namespace: Type.Optional(MetricLabelName), pod: Type.Optional(MetricLabelName), container: Type.Optional(MetricLabelName) },
                  { additionalProperties: false },
                ),
              ),
              /** How often the series are scraped (default 30): what turns a count of samples into hours. */
              scrapeIntervalSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
              /** The namespace where the cluster's VictoriaMetrics operator reads VMRules: the labs' alerts go there (ADR 0029). Absent: no VMRule is rendered. */
              rulesNamespace: Type.Optional(Type.String({ pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", maxLength: 63 })),
            },
            { additionalProperties: false },
          ),
        ),
        /**
         * Object storage on demand (ADR 0030): which provider makes the buckets of projects placed
         * here. `noobaa`: an ObjectBucketClaim rendered into the desired state, whose credentials
         * stay in the cluster. `rgw-admin`: a Ceph RADOS Gateway that Plateau drives through its
         * admin ops API (a user and a key pair per project). Absent: no bucket may be placed here.
         */
        s3: Type.Optional(
          Type.Object(
            {
              provider: Type.Union([Type.Literal("noobaa"), Type.Literal("rgw-admin")]),
              /**
               * The S3 endpoint clients use (`https://s3.example.org`). For `rgw-admin` the admin
               * ops API is under it (`/admin/`) unless `adminURL` says otherwise. May be absent on
               * the local platform only: the RGW `plateau up` starts gives it.
               */
              endpoint: Type.Optional(Type.String({ pattern: "^https?://[^\\s/]+(/\\S*)?$", maxLength: 500 })),
              /** The admin ops API's base when it is not the endpoint (`rgw-admin`). */
              adminURL: Type.Optional(Type.String({ pattern: "^https?://[^\\s/]+(/\\S*)?$", maxLength: 500 })),
              /** The region S3 clients sign with (default `us-east-1`, what RGW and NooBaa accept). */
              region: Type.Optional(Type.String({ pattern: "^[a-z0-9][-a-z0-9]*$", maxLength: 63 })),
              /**
               * The environment variables holding the admin user's keys (`rgw-admin`): never the
               * keys themselves, this file is public.
               */
              credentialsEnv: Type.Optional(
                Type.Object(
                  {
                    accessKeyId: Type.String({ pattern: "^[A-Z_][A-Z0-9_]*$", maxLength: 100 }),
                    secretAccessKey: Type.String({ pattern: "^[A-Z_][A-Z0-9_]*$", maxLength: 100 }),
                  },
                  { additionalProperties: false },
                ),
              ),
              /** The prefix of the RGW users Plateau makes, one per project (default `plateau-`): several installations may share one RGW. */
              userPrefix: Type.Optional(Type.String({ pattern: "^[a-z0-9][-a-z0-9._]*$", maxLength: 40 })),
              /** The StorageClass of NooBaa's bucket provisioner (`noobaa`; default `openshift-storage.noobaa.io`). */
              storageClass: Type.Optional(Type.String({ pattern: "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", maxLength: 253 })),
            },
            { additionalProperties: false },
          ),
        ),
        /** For a recovery platform: the platform whose instances it takes over in a disaster. */
        recoveryFor: Type.Optional(Name),
        /**
         * Where this platform's backups go (ADR 0034): a bucket on the S3 storage of another
         * site's platform (`to`, default the platform whose `recoveryFor` names this one, else
         * this platform itself). On a cluster, Velero writes there (a BackupStorageLocation
         * rendered into the desired state); on podman, Plateau exports the volumes there itself.
         * Absent: the platform's projects are not backed up.
         */
        backups: Type.Optional(
          Type.Object(
            {
              to: Type.Optional(Name),
              /** The bucket (an S3 name), Plateau's own: no project may take that name. */
              bucket: Type.String({ pattern: "^[a-z0-9][-a-z0-9.]*[a-z0-9]$", minLength: 3, maxLength: 63 }),
              /** Velero on a cluster: its namespace (default `velero`) and the Secret holding its S3 keys (default `cloud-credentials`, key `cloud`). */
              velero: Type.Optional(
                Type.Object(
                  {
                    namespace: Type.Optional(Type.String({ pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", maxLength: 63 })),
                    credential: Type.Optional(
                      Type.Object(
                        {
                          name: Type.String({ pattern: "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", maxLength: 253 }),
                          key: Type.String({ pattern: "^[-._a-zA-Z0-9]+$", maxLength: 253 }),
                        },
                        { additionalProperties: false },
                      ),
                    ),
                  },
                  { additionalProperties: false },
                ),
              ),
            },
            { additionalProperties: false },
          ),
        ),
        /** What the Helm charts launched here are given (Onyxia's regions): see RegionSchema. */
        region: Type.Optional(RegionSchema),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type PlatformDocument = Static<typeof PlatformSchema>;

/** A login as the identity provider gives it (after mapping): the only personal datum in git. */
const Login = Type.String({ pattern: "^[a-z0-9][-a-z0-9._]*$", maxLength: 64 });
/** An OIDC group as the provider sends it (e.g. `lab:imb`, `imb-gpu-users`). */
const Group = Type.String({ pattern: "^[^\\s]+$", minLength: 1, maxLength: 200 });

export type ProjectRole = "owner" | "editor" | "viewer";
const Role = Type.Union([Type.Literal("owner"), Type.Literal("editor"), Type.Literal("viewer")]);

/** A member of a project: a person (by login) or everyone in an OIDC group. */
export const MemberSchema = Type.Union([
  Type.Object({ login: Login, role: Role }, { additionalProperties: false }),
  Type.Object({ group: Group, role: Role }, { additionalProperties: false }),
]);
export type Member = Static<typeof MemberSchema>;

/**
 * A share of the platforms' resources. Units are chosen for people: cores, GiB. A missing
 * field falls back to the default of the configuration; running instances count for CPU,
 * memory and GPU, every instance (running or stopped) for instances and storage.
 */
export const QuotaSchema = Type.Object(
  {
    cpu: Type.Optional(Type.Number({ minimum: 0, maximum: 100000 })),
    memoryGiB: Type.Optional(Type.Number({ minimum: 0, maximum: 1000000 })),
    gpu: Type.Optional(Type.Integer({ minimum: 0, maximum: 10000 })),
    instances: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000 })),
    storageGiB: Type.Optional(Type.Number({ minimum: 0, maximum: 10000000 })),
    /** Object storage (ADR 0030): the sum of the quotas of the buckets, in GiB. */
    s3GiB: Type.Optional(Type.Number({ minimum: 0, maximum: 10000000 })),
    /** How many buckets. */
    buckets: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000 })),
  },
  { additionalProperties: false },
);
export type Quota = Static<typeof QuotaSchema>;

/**
 * The platform tiers a project may ask for (a platform declares one of these, or `recovery`):
 * `experimental`, no guarantee, the default; `institutional`, kept up. A recovery platform
 * takes over a platform's instances only in a disaster: no project asks for it.
 */
const ProjectTierSchema = Type.Union([Type.Literal("experimental"), Type.Literal("institutional")]);
export type ProjectTier = Static<typeof ProjectTierSchema>;
export const PROJECT_TIERS: readonly ProjectTier[] = ["experimental", "institutional"];
/** The tiers of a project whose file names none. */
export const DEFAULT_PROJECT_TIERS: readonly ProjectTier[] = ["experimental"];

/**
 * What idle reclaim does to instances (ADR 28), overriding the configuration's defaults: in a
 * lab's file for its projects, in a project's file for its instances. Absent fields inherit.
 */
export const ReclaimPolicySchema = Type.Object(
  {
    /** Hours without CPU above the threshold nor a request through Plateau's proxy before an instance is stopped. */
    idleHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 8760 })),
    /** How long before a step people are told (the notice says what will happen when). */
    notifyHoursBefore: Type.Optional(Type.Integer({ minimum: 0, maximum: 720 })),
    /** Whether idle instances are stopped. */
    stop: Type.Optional(Type.Boolean()),
    /** Days an instance stays stopped before it is removed, its data with it; null: never removed. */
    deleteAfterDaysStopped: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 3650 }), Type.Null()])),
    /** Nothing of it is ever reclaimed (an institutional service). */
    exempt: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type ReclaimPolicyDocument = Static<typeof ReclaimPolicySchema>;

/**
 * A project's recovery policy (ADR 0034), over the configuration's defaults: whether its
 * instances' volumes are backed up, how often, how long backups are kept, and how often a
 * drill must prove they restore. Absent `backups`: on for institutional projects, off otherwise.
 */
export const RecoveryPolicySchema = Type.Object(
  {
    backups: Type.Optional(Type.Boolean()),
    /** Hours between two backups of each instance. */
    everyHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 720 })),
    /** Days a backup is kept (the newest is always kept). */
    retentionDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
    /** Days after which a project without a newer drill is overdue (an alert). */
    drillEveryDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
  },
  { additionalProperties: false },
);
export type RecoveryPolicyDocument = Static<typeof RecoveryPolicySchema>;

export const ProjectSchema = Type.Object(
  {
    apiVersion: Type.Literal(API_VERSION),
    kind: Type.Literal("Project"),
    metadata: Type.Object({ name: Name, createdAt: Type.String(), createdBy: Type.String({ maxLength: 200 }) }, { additionalProperties: false }),
    spec: Type.Object(
      {
        title: Type.String({ maxLength: 200 }),
        /** The lab the project belongs to; absent for a personal project. */
        lab: Type.Optional(Name),
        /** The owner of a personal project (its only member). */
        personal: Type.Optional(Login),
        members: Type.Optional(Type.Array(MemberSchema, { maxItems: 500 })),
        quota: Type.Optional(QuotaSchema),
        /** The platform tiers its instances may run on: `[institutional]` for a service that must stay up. */
        tiers: Type.Optional(Type.Array(ProjectTierSchema, { minItems: 1, maxItems: 2 })),
        /** Idle reclaim of its instances, over its lab's and the configuration's (ADR 28). */
        reclaim: Type.Optional(ReclaimPolicySchema),
        /** Backups and drills of its instances (ADR 0034). */
        recovery: Type.Optional(RecoveryPolicySchema),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type ProjectDocument = Static<typeof ProjectSchema>;

/** A lab: its share of the platforms, how many projects it may have, its admins. */
export const LabSchema = Type.Object(
  {
    apiVersion: Type.Literal(API_VERSION),
    kind: Type.Literal("Lab"),
    metadata: Type.Object({ name: Name }, { additionalProperties: false }),
    spec: Type.Object(
      {
        title: Type.String({ maxLength: 200 }),
        projectLimit: Type.Optional(Type.Integer({ minimum: 0, maximum: 10000 })),
        quota: Type.Optional(QuotaSchema),
        /** Idle reclaim of its projects' instances, over the configuration's (ADR 28). */
        reclaim: Type.Optional(ReclaimPolicySchema),
        /** The lab's alerts (ADR 0029): Plateau's rules, some turned off or tuned; which names exist is checked by parseLab. */
        alerts: Type.Optional(
          Type.Object(
            {
              rules: Type.Optional(
                Type.Record(
                  Type.String({ maxLength: 63 }),
                  Type.Object(
                    {
                      enabled: Type.Optional(Type.Boolean()),
                      threshold: Type.Optional(Type.Number()),
                      forMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 1440 })),
                    },
                    { additionalProperties: false },
                  ),
                ),
              ),
            },
            { additionalProperties: false },
          ),
        ),
        /** How many series the lab's projects may hold on a platform's metrics before the operator report names it (default: the configuration's). */
        seriesBudget: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000 })),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type LabDocument = Static<typeof LabSchema>;

export type InstanceState = "running" | "stopped";

/** An ISO 8601 time with its offset: without one, a time would be read in the server's zone. */
const ISO_TIME = "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2})$";

const Amount = Type.Number({ minimum: 0, maximum: 1e9 });
/** What an instance's rendered objects ask and where they are reached (`spec.rendered`). */
export const RenderedSchema = Type.Object(
  {
    /** Requests of every pod × replicas while running (cores, GiB, devices) and the storage of every claim (GiB): what quotas count. */
    requests: Type.Object({ cpu: Amount, memoryGiB: Amount, gpu: Amount, storageGiB: Amount }, { additionalProperties: false }),
    /** The largest single pod's requests: what must fit on one node of a pool. */
    largestPod: Type.Object({ cpu: Amount, memoryGiB: Amount, gpu: Amount }, { additionalProperties: false }),
    /** The host of its first Route or Ingress (by name); absent: it renders none, and has no address. */
    host: Type.Optional(Type.String({ pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", maxLength: 253 })),
  },
  { additionalProperties: false },
);
export type RenderedInstance = Static<typeof RenderedSchema>;
/** A value path of a chart, key by key. */
const ValuePath = Type.Array(Type.String({ maxLength: 253 }), { minItems: 1, maxItems: 20 });

/** An instance's attached bucket (`spec.bucket`, ADR 0031). */
export const InstanceBucketSchema = Type.Object(
  {
    name: Type.String({ pattern: "^[a-z0-9][-a-z0-9.]*[a-z0-9]$", maxLength: 63 }),
    platform: Name,
    provider: Type.Union([Type.Literal("noobaa"), Type.Literal("rgw-admin")]),
    /** `rgw-admin`: the endpoint's URL (`https://s3.example.org`), its region and whether clients address buckets by path. */
    endpoint: Type.Optional(Type.String({ pattern: "^https?://[^\\s/]+(/\\S*)?$", maxLength: 500 })),
    region: Type.Optional(Type.String({ pattern: "^[a-z0-9][-a-z0-9]*$", maxLength: 63 })),
    pathStyle: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type InstanceBucket = Static<typeof InstanceBucketSchema>;

/** `spec.restore` of an instance (ADR 0034). */
export const InstanceRestoreSchema = Type.Object(
  {
    backup: Type.String({ pattern: "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", maxLength: 253 }),
    platform: Name,
    takenAt: Type.String({ pattern: ISO_TIME, maxLength: 40 }),
    /** Why (`failover from plmapps`, `failback to plmapps`). */
    reason: Type.String({ maxLength: 500 }),
  },
  { additionalProperties: false },
);
export type InstanceRestore = Static<typeof InstanceRestoreSchema>;

export const InstanceSchema = Type.Object(
  {
    apiVersion: Type.Literal(API_VERSION),
    kind: Type.Literal("Instance"),
    metadata: Type.Object({ name: Name, project: Name, createdAt: Type.String(), createdBy: Type.String({ maxLength: 200 }) }, { additionalProperties: false }),
    spec: Type.Object(
      {
        /** A built-in template's id, or `<catalog>/<chart>` for a chart of a Helm catalog. */
        template: Type.Union([Name, Type.String({ pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[A-Za-z0-9][A-Za-z0-9._-]*$", maxLength: 320 })]),
        templateVersion: Type.String({ maxLength: 100 }),
        state: Type.Union([Type.Literal("running"), Type.Literal("stopped")]),
        values: Type.Record(Type.String(), Type.Unknown()),
        /**
         * When Plateau stops it unless it is renewed (ISO 8601 with its offset, `2026-07-01T09:30:00.000Z`).
         * Absent: it never expires (intents written before expiry existed, expiry turned off).
         */
        expiresAt: Type.Optional(Type.String({ pattern: ISO_TIME, maxLength: 40 })),
        /**
         * Derived by Plateau from the objects the instance renders (a chart's `helm template` at
         * its launch): what its pods ask while running and its address (ADR 0023). Quotas and
         * placement read it instead of rendering every instance again. Absent (intents written
         * before it, or by hand): the values' `resources` convention and the platform's address apply.
         */
        rendered: Type.Optional(RenderedSchema),
        /**
         * How a chart without `global.suspend` stops (ADR 24), decided at its launch from what it
         * renders: `replicas` commits these value paths at 0 (and `restore`, while stopped, holds
         * what they were: a value, or none for a path the values did not hold); `remove-on-expiry`:
         * it cannot be stopped, its expiry removes it, and `why` says what keeps running.
         * Absent: by `global.suspend` when its values declare it, else not at all (as before).
         */
        /**
         * Idle reclaim's record (ADR 28), written by Plateau: since when idleness counts (a start,
         * a *keep*), since when it is stopped, and the step announced to its people, due then.
         */
        idle: Type.Optional(
          Type.Object(
            {
              since: Type.Optional(Type.String({ pattern: ISO_TIME, maxLength: 40 })),
              stoppedAt: Type.Optional(Type.String({ pattern: ISO_TIME, maxLength: 40 })),
              notice: Type.Optional(
                Type.Object(
                  {
                    step: Type.Union([Type.Literal("stop"), Type.Literal("remove")]),
                    at: Type.String({ pattern: ISO_TIME, maxLength: 40 }),
                    due: Type.String({ pattern: ISO_TIME, maxLength: 40 }),
                  },
                  { additionalProperties: false },
                ),
              ),
            },
            { additionalProperties: false },
          ),
        ),
        stop: Type.Optional(
          Type.Union([
            Type.Object(
              {
                by: Type.Literal("replicas"),
                paths: Type.Array(ValuePath, { minItems: 1, maxItems: 100 }),
                restore: Type.Optional(
                  Type.Array(Type.Object({ path: ValuePath, value: Type.Optional(Type.Unknown()) }, { additionalProperties: false }), { maxItems: 100 }),
                ),
              },
              { additionalProperties: false },
            ),
            Type.Object({ by: Type.Literal("remove-on-expiry"), why: Type.String({ maxLength: 2000 }) }, { additionalProperties: false }),
          ]),
        ),
        /**
         * The bucket of its project it is attached to (ADR 0031), as the launch resolved it: its
         * name, its platform and provider, and for `rgw-admin` where clients reach it (public:
         * never a key). Moves, resizes and restarts keep it; the reconciler hands the project's
         * key on that platform to the instance's Secret.
         */
        bucket: Type.Optional(InstanceBucketSchema),
        /**
         * Its volumes are restored from this backup before it starts here (ADR 0034), written by a
         * failover or failback: the backup's id as its platform's backups name it (a Velero Backup's
         * name on a cluster, a backup id on podman), the platform that took it, and when it was
         * taken (what the restore loses: the RPO). Done once per id; kept as the record of where
         * its data came from until the instance moves again.
         */
        restore: Type.Optional(InstanceRestoreSchema),
      },
      { additionalProperties: false },
    ),
    placement: Type.Object({ platform: Name, reason: Type.String({ maxLength: 2000 }) }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);
export type InstanceDocument = Static<typeof InstanceSchema>;

/**
 * A bucket of a project (ADR 0030), `projects/<project>/buckets/<name>.yaml`. Its name is its S3
 * name, which S3 makes unique on a provider: Plateau refuses a name any project already has.
 */
export const BucketSchema = Type.Object(
  {
    apiVersion: Type.Literal(API_VERSION),
    kind: Type.Literal("Bucket"),
    metadata: Type.Object(
      { name: Type.String({ maxLength: 63 }), project: Name, createdAt: Type.String(), createdBy: Type.String({ maxLength: 200 }) },
      { additionalProperties: false },
    ),
    spec: Type.Object(
      {
        /** What the server enforces: size in GiB (counted against the project's and lab's `s3GiB`), and objects. */
        quota: Type.Object(
          {
            sizeGiB: Type.Number({ exclusiveMinimum: 0, maximum: 1000000 }),
            objects: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000 })),
          },
          { additionalProperties: false },
        ),
        /** Whether S3 keeps every version of an object. */
        versioning: Type.Optional(Type.Boolean()),
        /** Lifecycle: objects are expired this many days after they were written. Absent: kept. */
        expireDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 36500 })),
        /** A replica on another site's platform: its status says whether it is configured and in step. */
        replica: Type.Optional(Type.Object({ platform: Name }, { additionalProperties: false })),
      },
      { additionalProperties: false },
    ),
    placement: Type.Object({ platform: Name, reason: Type.String({ maxLength: 2000 }) }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);
export type BucketDocument = Static<typeof BucketSchema>;

type Schema = typeof BucketSchema | typeof PlatformSchema | typeof ProjectSchema | typeof InstanceSchema | typeof LabSchema;

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

export function parsePlatform(text: string, source: string): PlatformDocument {
  const document = check<PlatformDocument>(PlatformSchema, fromYaml(text, source), source);
  // The rules a region's parts must keep together (a toleration for each taint, defaults within the sliders…).
  const issues = regionIssues(document);
  const first = issues[0];
  if (first) throw new InputError(`${source}: ${first.pointer} ${first.message}`, issues);
  return document;
}
export const parseProject = (text: string, source: string): ProjectDocument => check<ProjectDocument>(ProjectSchema, fromYaml(text, source), source);
export function parseInstance(text: string, source: string): InstanceDocument {
  const document = check<InstanceDocument>(InstanceSchema, fromYaml(text, source), source);
  // The pattern lets through what is no time (month 13, hour 25): refused, never read as "never expires".
  const expiresAt = document.spec.expiresAt;
  if (expiresAt !== undefined && !Number.isFinite(Date.parse(expiresAt))) {
    throw new InputError(`${source}: /spec/expiresAt is not a valid time`, [{ pointer: "/spec/expiresAt", rule: "format", message: "is not a valid time" }]);
  }
  return document;
}
export function parseLab(text: string, source: string): LabDocument {
  const document = check<LabDocument>(LabSchema, fromYaml(text, source), source);
  // Which alert rules exist and their bounds: an unknown rule is refused, never ignored.
  checkAlertSettings(document.spec.alerts?.rules);
  return document;
}

export function parseBucket(text: string, source: string): BucketDocument {
  const document = check<BucketDocument>(BucketSchema, fromYaml(text, source), source);
  // What S3 refuses is refused when read too: a hand-written file is reported, never half-made.
  const issue = bucketNameIssue("/metadata/name", document.metadata.name);
  if (issue) throw new InputError(`${source}: ${issue.pointer} ${issue.message}`, [issue]);
  return document;
}

/** Every document of desired state is written through here: same object, same bytes. */
export const serialize = (document: PlatformDocument | ProjectDocument | InstanceDocument | LabDocument | BucketDocument): string => toYaml(document);
