// Plateau's configuration: one typed schema, validated once at start-up. Sources, later
// ones winning: built-in defaults, plateau.yaml (or --config), PLATEAU_* variables, flags.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Type, type Static } from "typebox";
import { Value } from "typebox/value";
import { InputError, type InputIssue } from "../core/errors.js";
import { fromYaml } from "../core/yaml.js";
import { ClaimMappingSchema, ProviderClaimMappingSchema } from "../core/access/claim-mapping.js";
import { checkHelmCatalogConfigs, HelmCatalogConfigSchema } from "../core/helm/catalog-config.js";
import { forbiddenRegistryProblem } from "../core/catalog/images.js";
import { ReclaimPolicySchema } from "../core/model.js";

export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

const ProviderSchema = Type.Object(
  {
    id: Type.String({ pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", maxLength: 63, description: "Used in the callback URL: /auth/callback/<id>" }),
    title: Type.String({ maxLength: 200, description: "Shown in the provider picker" }),
    issuer: Type.String({ pattern: "^https?://", description: "Exactly as the provider's discovery document says" }),
    clientId: Type.String({ minLength: 1, maxLength: 500 }),
    clientSecret: Type.Optional(Type.String({ maxLength: 2000, description: "Or PLATEAU_OIDC_<ID>_CLIENT_SECRET" })),
    tokenEndpointAuthMethod: Type.Optional(
      Type.Union([Type.Literal("client_secret_basic"), Type.Literal("client_secret_post"), Type.Literal("private_key_jwt")], {
        description:
          "How Plateau authenticates to the token endpoint. Default: client_secret_basic (client_secret_post when the provider offers only that); LemonLDAP::NG up to 2.16 needs client_secret_post for secrets with other characters than letters and digits",
      }),
    ),
    privateKeyFile: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 4096,
        description: "private_key_jwt: a PEM (PKCS#8, or PKCS#1 for RSA) or JWK file holding the client's private key; or PLATEAU_OIDC_<ID>_PRIVATE_KEY_FILE",
      }),
    ),
    privateKeyId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: "private_key_jwt: the kid of the client assertion (default: the JWK's kid, else its RFC 7638 thumbprint)",
      }),
    ),
    scopes: Type.Array(Type.String({ pattern: "^[!#-\\[\\]-~]+$" }), { default: ["openid", "profile", "email"] }),
    /** This provider's own claim mapping: each field it sets replaces that of identity.claims. */
    claims: Type.Optional(ProviderClaimMappingSchema),
  },
  { additionalProperties: false },
);

const QuotaDefaults = (defaults: { cpu: number; memoryGiB: number; gpu: number; instances: number; storageGiB: number; s3GiB: number; buckets: number }) =>
  Type.Object(
    {
      cpu: Type.Number({ minimum: 0, default: defaults.cpu }),
      memoryGiB: Type.Number({ minimum: 0, default: defaults.memoryGiB }),
      gpu: Type.Integer({ minimum: 0, default: defaults.gpu }),
      instances: Type.Integer({ minimum: 0, default: defaults.instances }),
      storageGiB: Type.Number({ minimum: 0, default: defaults.storageGiB }),
      /** Object storage (ADR 0030): the sum of the buckets' size quotas, in GiB, and how many buckets. */
      s3GiB: Type.Number({ minimum: 0, default: defaults.s3GiB }),
      buckets: Type.Integer({ minimum: 0, default: defaults.buckets }),
    },
    { additionalProperties: false, default: {} },
  );

export const ConfigSchema = Type.Object(
  {
    listen: Type.Object(
      {
        host: Type.String({ default: "127.0.0.1", description: "Address to listen on (127.0.0.1: this machine only)" }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
        /** Behind a TLS front (a reverse proxy), take the client's address from X-Forwarded-For: rate limits and the audit log need it. */
        trustProxy: Type.Boolean({ default: false }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Port in the instances' URLs when Plateau is reached through another port (a TLS front). */
    publicPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    dataDir: Type.String({ default: ".plateau", description: "Holds the database and the desired-state repository" }),
    database: Type.Optional(Type.String({ description: "A SQLite file or a postgres:// URL (default: <dataDir>/plateau.db)" })),
    repository: Type.Optional(Type.String({ description: "The desired-state git repository (default: <dataDir>/state.git)" })),
    catalogDir: Type.Optional(Type.String({ description: "Built-in templates (default: the catalog of this package)" })),
    platforms: Type.Object(
      {
        local: Type.Object(
          {
            enabled: Type.Boolean({ default: true }),
            domain: Type.String({ default: "localhost", pattern: "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$" }),
          },
          { additionalProperties: false, default: {} },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    podman: Type.Object(
      {
        command: Type.String({ default: "podman" }),
        stopTimeoutSeconds: Type.Integer({ minimum: 0, maximum: 600, default: 10 }),
        startupTimeoutSeconds: Type.Integer({ minimum: 5, maximum: 3600, default: 300 }),
      },
      { additionalProperties: false, default: {} },
    ),
    reconcile: Type.Object(
      {
        intervalSeconds: Type.Number({ minimum: 0.1, maximum: 3600, default: 5 }),
        concurrency: Type.Integer({ minimum: 1, maximum: 64, default: 2 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Where people reach Plateau (`https://plateau.example.org`); default: http://localhost:<port>. */
    publicUrl: Type.Optional(Type.String({ pattern: "^https?://[^/?#]+$", description: "Origin of the portal and API, without a path" })),
    identity: Type.Object(
      {
        /** OpenID Connect providers (an institution's, or one federation proxy). None: the embedded provider. */
        providers: Type.Array(ProviderSchema, { default: [], maxItems: 1000 }),
        claims: ClaimMappingSchema,
        embedded: Type.Object(
          {
            /** Demo accounts of the embedded provider; generated passwords are kept in <dataDir>/embedded-accounts.yaml. */
            accounts: Type.Optional(
              Type.Array(
                Type.Object(
                  {
                    login: Type.String({ pattern: "^[a-z0-9][-a-z0-9._]*$", maxLength: 64 }),
                    password: Type.String({ minLength: 12, maxLength: 200 }),
                    name: Type.String({ maxLength: 200 }),
                    email: Type.String({ maxLength: 200 }),
                    groups: Type.Array(Type.String({ maxLength: 200 }), { maxItems: 100 }),
                  },
                  { additionalProperties: false },
                ),
                { maxItems: 1000 },
              ),
            ),
          },
          { additionalProperties: false, default: {} },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    sessions: Type.Object(
      {
        idleMinutes: Type.Number({ minimum: 1, maximum: 10080, default: 120, description: "A session unused this long ends" }),
        absoluteHours: Type.Number({ minimum: 0.1, maximum: 720, default: 12, description: "A session ends this long after sign-in" }),
      },
      { additionalProperties: false, default: {} },
    ),
    tokens: Type.Object(
      {
        defaultDays: Type.Integer({ minimum: 1, maximum: 3650, default: 90 }),
        maxDays: Type.Integer({ minimum: 1, maximum: 3650, default: 365 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** How long instances run (docs/tenancy.md#how-long-instances-run). */
    /** The labs' alerts and the operators' series report (ADR 0029, docs/metrics.md). */
    alerts: Type.Object(
      {
        /** The local platform's rule evaluator, started by `plateau up` when installed (Debian's victoria-metrics package ships it). */
        vmalertCommand: Type.String({ default: "/usr/bin/vmalert" }),
        evaluationSeconds: Type.Integer({ minimum: 1, maximum: 3600, default: 30, description: "How often vmalert evaluates the labs' rules" }),
        seriesBudget: Type.Integer({
          minimum: 0,
          maximum: 1_000_000_000,
          default: 20_000,
          description: "Series a lab's projects may hold on a platform before the operators' report names it (labs/<lab>.yaml spec.seriesBudget overrides)",
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    lifecycle: Type.Object(
      {
        expiryDays: Type.Union([Type.Integer({ minimum: 0, maximum: 3650 }), Type.Null()], {
          default: 30,
          description: "Days an instance runs after its launch or start before Plateau stops it (data kept); 0 or null: instances never expire",
        }),
        renewDays: Type.Integer({ minimum: 1, maximum: 3650, default: 30, description: "Days a renewal adds when it names none" }),
        maxDays: Type.Integer({ minimum: 1, maximum: 3650, default: 365, description: "No renewal sets an expiry further than this from now" }),
        checkSeconds: Type.Integer({ minimum: 1, maximum: 86400, default: 300, description: "How often Plateau looks for expired instances" }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Idle reclaim (docs/metrics.md#idle-reclaim-and-notifications, ADR 28): the defaults labs, projects and templates override. */
    reclaim: Type.Object(
      {
        enabled: Type.Boolean({ default: false, description: "Whether the sweep acts (notify, stop, remove); the dry-run report works either way" }),
        idleHours: Type.Integer({
          minimum: 1,
          maximum: 8760,
          default: 72,
          description: "Hours without CPU above the threshold nor a proxied request before an instance is stopped",
        }),
        notifyHoursBefore: Type.Integer({ minimum: 0, maximum: 720, default: 24, description: "How long before a step people are told" }),
        stop: Type.Boolean({ default: true, description: "Whether idle instances are stopped" }),
        deleteAfterDaysStopped: Type.Union([Type.Integer({ minimum: 1, maximum: 3650 }), Type.Null()], {
          default: null,
          description: "Days stopped before an instance is removed, its data with it; null: never",
        }),
        cpuThresholdCores: Type.Number({ minimum: 0, maximum: 64, default: 0.01, description: "CPU (cores) above which an instance is in use" }),
        exemptProjectTiers: Type.Array(Type.Union([Type.Literal("experimental"), Type.Literal("institutional")]), {
          default: ["institutional"],
          description: "Projects of these tiers are exempt unless their file says `reclaim: {exempt: false}`",
        }),
        templates: Type.Record(Type.String({ maxLength: 320 }), ReclaimPolicySchema, {
          default: {},
          description: "Overrides by template id or chart (`<catalog>/<chart>`)",
        }),
        checkSeconds: Type.Integer({ minimum: 10, maximum: 86400, default: 900, description: "How often the sweep runs" }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Where notices reach people besides the portal (ADR 28). */
    notifications: Type.Object(
      {
        /** The portal's address in notices' links; default: publicUrl. */
        portalUrl: Type.Optional(Type.String({ pattern: "^https?://\\S+$", maxLength: 500 })),
        email: Type.Optional(
          Type.Object(
            {
              host: Type.String({ maxLength: 253 }),
              port: Type.Integer({ minimum: 1, maximum: 65535, default: 587 }),
              from: Type.String({ maxLength: 320 }),
              security: Type.Union([Type.Literal("starttls"), Type.Literal("tls"), Type.Literal("none")], { default: "starttls" }),
              userEnv: Type.Optional(Type.String({ pattern: "^[A-Z_][A-Z0-9_]*$", maxLength: 100, description: "The variable holding the SMTP user" })),
              passwordEnv: Type.Optional(Type.String({ pattern: "^[A-Z_][A-Z0-9_]*$", maxLength: 100, description: "The variable holding the SMTP password" })),
            },
            { additionalProperties: false },
          ),
        ),
        chat: Type.Optional(
          Type.Object(
            {
              urlEnv: Type.Optional(
                Type.String({
                  pattern: "^[A-Z_][A-Z0-9_]*$",
                  maxLength: 100,
                  description: "The variable holding the default (operators') Mattermost-compatible webhook URL",
                }),
              ),
              labs: Type.Record(Type.String({ maxLength: 63 }), Type.String({ pattern: "^[A-Z_][A-Z0-9_]*$", maxLength: 100 }), {
                default: {},
                description: "A lab's own webhook (the variable holding its URL): its notices go there, not to the default one",
              }),
            },
            { additionalProperties: false },
          ),
        ),
        deliverSeconds: Type.Integer({ minimum: 1, maximum: 3600, default: 30, description: "How often the outbox is delivered" }),
      },
      { additionalProperties: false, default: {} },
    ),
    tenancy: Type.Object(
      {
        personalQuota: QuotaDefaults({ cpu: 2, memoryGiB: 8, gpu: 0, instances: 5, storageGiB: 20, s3GiB: 20, buckets: 3 }),
        projectQuota: QuotaDefaults({ cpu: 8, memoryGiB: 32, gpu: 0, instances: 20, storageGiB: 200, s3GiB: 100, buckets: 10 }),
        labQuota: QuotaDefaults({ cpu: 32, memoryGiB: 128, gpu: 2, instances: 100, storageGiB: 1000, s3GiB: 1000, buckets: 50 }),
        labProjectLimit: Type.Integer({ minimum: 0, maximum: 10000, default: 10 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Buckets on demand (ADR 0030). */
    buckets: Type.Object(
      {
        defaultSizeGiB: Type.Number({
          exclusiveMinimum: 0,
          maximum: 1000000,
          default: 10,
          description: "The size quota of a bucket created without one, in GiB",
        }),
        /** How often the providers are converged to git besides each commit, and expired temporary keys revoked. */
        checkSeconds: Type.Integer({ minimum: 5, maximum: 86400, default: 60, description: "How often the buckets' reconcilers run besides commits" }),
        /** Replicas on another site (ADR 0033): how often each is brought up to date with its bucket. */
        replicateSeconds: Type.Integer({ minimum: 30, maximum: 86400, default: 300, description: "How often buckets are copied to their replicas" }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Disaster recovery (ADR 0034): the defaults of projects' recovery policies, and how often backups are checked for. */
    recovery: Type.Object(
      {
        everyHours: Type.Integer({
          minimum: 1,
          maximum: 720,
          default: 24,
          description: "Hours between two backups of an instance of a project that is backed up",
        }),
        retentionDays: Type.Integer({ minimum: 1, maximum: 3650, default: 14, description: "Days a backup is kept (the newest always is)" }),
        drillEveryDays: Type.Integer({ minimum: 1, maximum: 3650, default: 90, description: "Days after which a project without a newer drill is overdue" }),
        checkSeconds: Type.Integer({ minimum: 5, maximum: 86400, default: 300, description: "How often the backups task looks for instances due" }),
        drillCheckSeconds: Type.Integer({
          minimum: 60,
          maximum: 604800,
          default: 3600,
          description: "How often projects whose drill is overdue are looked for (one notice per due date)",
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    placement: Type.Object(
      {
        strategy: Type.Union([Type.Literal("least-allocated"), Type.Literal("bin-packing")], {
          default: "least-allocated",
          description: "least-allocated spreads instances; bin-packing fills a platform before the next",
        }),
        allowPinning: Type.Boolean({ default: true, description: "Whether people may choose the platform themselves (--platform)" }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Where the desired-state repository is pushed and pulled (docs/remote.md); none: it stays on this machine. */
    remote: Type.Optional(
      Type.Object(
        {
          url: Type.String({
            minLength: 1,
            maxLength: 2000,
            description: "https://forge.example.org/group/desired-state.git or ssh://git@forge.example.org/group/desired-state.git",
          }),
          /** https: the variable holding an access token (sent as HTTP Basic, never in the URL). */
          tokenEnv: Type.Optional(Type.String({ pattern: "^[A-Z_][A-Z0-9_]*$", maxLength: 100 })),
          username: Type.String({
            minLength: 1,
            maxLength: 200,
            default: "oauth2",
            description: "The user name sent with the token (GitLab: oauth2; GitHub: x-access-token)",
          }),
          /** ssh: a private key and the known hosts (no host is trusted on first use). */
          sshKeyFile: Type.Optional(Type.String({ minLength: 1 })),
          knownHostsFile: Type.Optional(Type.String({ minLength: 1 })),
          pollSeconds: Type.Integer({ minimum: 5, maximum: 86400, default: 60, description: "How often the remote is read for commits made by people" }),
          /** The variable holding the secret that signs the forge's webhooks (POST /api/v1/hooks/git). */
          webhookSecretEnv: Type.Optional(Type.String({ pattern: "^[A-Z_][A-Z0-9_]*$", maxLength: 100 })),
        },
        { additionalProperties: false },
      ),
    ),
    /** Serve the desired-state repository read-only over git's smart HTTP at /git/desired-state.git (an Argo CD can clone it). */
    serveRepository: Type.Boolean({ default: true }),
    /** Helm repositories offered as catalogs, with Onyxia's catalog fields (docs/helm-catalogs.md). */
    catalogs: Type.Array(HelmCatalogConfigSchema, { default: [], maxItems: 100 }),
    helm: Type.Object(
      {
        /** A directory of JSON Schemas for charts' `x-onyxia.overwriteSchemaWith`, named by their path under it (`ide/resources.json`). */
        schemasDir: Type.Optional(Type.String({ minLength: 1 })),
        /** How long a catalog's index is used before it is read again. */
        refreshSeconds: Type.Integer({ minimum: 0, maximum: 86400, default: 600 }),
        /** The Helm binary that renders charts as Argo CD does (`helm template`); or PLATEAU_HELM_COMMAND. */
        command: Type.Optional(
          Type.String({
            minLength: 1,
            maxLength: 4096,
            description: "Helm binary, a path or a name looked up in PATH (default: tools/helm/helm of this installation if present, else helm)",
          }),
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Where images named by values may come from (docs/configuration.md#images). */
    images: Type.Object(
      {
        registries: Type.Optional(
          Type.Array(Type.String({ pattern: "^([a-z0-9]([-a-z0-9.]*[a-z0-9])?|\\[[0-9a-f:.]+\\])(:[0-9]{1,5})?$", maxLength: 255 }), {
            maxItems: 1000,
            description:
              "Registries (host or host:port) values may name images from; default: those of the catalog's images, and localhost (images built on this machine)",
          }),
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    /** The local platform's usage (docs/metrics.md, "The local platform's usage"; docs/adr/0026-local-metrics.md). */
    localMetrics: Type.Object(
      {
        enabled: Type.Boolean({
          default: true,
          description: "Export what the local platform's instances use at /metrics/tenants and read it back; false: no usage, no VictoriaMetrics",
        }),
        /** An existing VictoriaMetrics (or Prometheus) that scrapes /metrics/tenants with the scrape token: Plateau reads it and starts none. */
        url: Type.Optional(Type.String({ pattern: "^https?://\\S+$", maxLength: 500, description: "Its Prometheus API's base; /api/v1/query is added" })),
        /** The variable holding a bearer token for that url. */
        tokenEnv: Type.Optional(Type.String({ pattern: "^[A-Z_][A-Z0-9_]*$", maxLength: 100 })),
        scrapeIntervalSeconds: Type.Integer({ minimum: 1, maximum: 3600, default: 30, description: "How often Plateau's series are scraped" }),
        /** The file holding the bearer token of /metrics/tenants, made (random) when missing; relative to the data directory. Default: metrics/scrape-token. */
        scrapeTokenFile: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
        victoriaMetrics: Type.Object(
          {
            command: Type.String({ minLength: 1, maxLength: 4096, default: "victoria-metrics", description: "The binary (Debian's victoria-metrics)" }),
            port: Type.Integer({ minimum: 0, maximum: 65535, default: 0, description: "Its port on 127.0.0.1; 0: a free port at each start" }),
            retentionDays: Type.Integer({ minimum: 1, maximum: 36500, default: 90 }),
            args: Type.Array(Type.String({ maxLength: 1000 }), { default: [], maxItems: 100, description: "More of its flags (-memory.allowedPercent=20…)" }),
          },
          { additionalProperties: false, default: {} },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    /** The local platform's S3 server: a single-node Ceph RGW that `plateau up` runs (docs/buckets.md, "The local S3 server"; docs/adr/0032-the-local-s3-server.md). */
    localS3: Type.Object(
      {
        /** Absent: on when Ceph is installed (apt-get install --no-install-recommends ceph-mon ceph-osd radosgw ceph-common). */
        enabled: Type.Optional(Type.Boolean({ description: "Run the local S3 server; default: when Ceph is installed" })),
        port: Type.Integer({
          minimum: 0,
          maximum: 65535,
          default: 0,
          description: "Its S3 port on 127.0.0.1; 0: the one chosen at its first start (7480 when free)",
        }),
        sizeGiB: Type.Integer({
          minimum: 1,
          maximum: 1000000,
          default: 100,
          description: "What its buckets may hold together (a sparse file, fixed at the first start)",
        }),
        /** Where it keeps its cluster, relative to the data directory. Default: s3. */
        dataDir: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
        /**
         * Where the local platform's pods reach it (they cannot reach the host's loopback): `auto`, the
         * host's first non-loopback IPv4 address; `loopback`, nowhere but 127.0.0.1 (instances then
         * cannot use their buckets); or an address of this host. It answers there to signed requests only.
         */
        podAddress: Type.String({ default: "auto", pattern: "^(auto|loopback|[0-9]{1,3}(\\.[0-9]{1,3}){3})$", maxLength: 15 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Requests per minute per client (sign-in per address; tokens and launches per person), and logs read at once (followed or not). */
    rateLimits: Type.Object(
      {
        signInPerMinute: Type.Integer({ minimum: 1, maximum: 100000, default: 10 }),
        tokenCreationPerMinute: Type.Integer({ minimum: 1, maximum: 100000, default: 10 }),
        launchPerMinute: Type.Integer({ minimum: 1, maximum: 100000, default: 30 }),
        /** Visits of instances that go through the sign-in bounce (each makes a ticket and a session). */
        bouncePerMinute: Type.Integer({ minimum: 1, maximum: 100000, default: 60 }),
        logStreamsPerPerson: Type.Integer({
          minimum: 1,
          maximum: 10000,
          default: 10,
          description: "Logs (followed or not) one person may read at once",
        }),
        logStreams: Type.Integer({ minimum: 1, maximum: 100000, default: 100, description: "Logs read at once, everyone together" }),
      },
      { additionalProperties: false, default: {} },
    ),
    /**
     * Several replicas of Plateau over one PostgreSQL and one forge remote (ADR 0040): each write
     * takes the write lock, starts from the remote's head, and is pushed before it is answered;
     * the replica holding the leader lock runs the one-replica tasks.
     */
    replication: Type.Object(
      {
        enabled: Type.Boolean({ default: false, description: "Run as one of several replicas (needs a postgres:// database and a remote)" }),
        replicaId: Type.Optional(
          Type.String({
            minLength: 1,
            maxLength: 63,
            pattern: "^[a-zA-Z0-9][a-zA-Z0-9._-]*$",
            description: "This replica's name in logs and status (default: PLATEAU_REPLICA_ID, POD_NAME, or the host name and process id)",
          }),
        ),
        lockTimeoutSeconds: Type.Integer({
          minimum: 1,
          maximum: 600,
          default: 30,
          description: "How long a write waits for the write lock before answering 503",
        }),
        leaderCheckSeconds: Type.Integer({
          minimum: 1,
          maximum: 600,
          default: 2,
          description: "How often a replica that is not the leader tries to become it",
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** What SIGTERM does (a rolling restart): readiness false first, then in-flight requests and streams are finished. */
    shutdown: Type.Object(
      {
        drainSeconds: Type.Number({
          minimum: 0,
          maximum: 300,
          default: 0,
          description: "Seconds /readyz answers 503 before the listener closes, so that load balancers stop sending (5 in the Helm chart)",
        }),
        graceSeconds: Type.Number({
          minimum: 0,
          maximum: 3600,
          default: 20,
          description: "Seconds in-flight requests and open streams get to finish once the listener closes; streams left are closed cleanly",
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    logLevel: Type.Union(["fatal", "error", "warn", "info", "debug", "trace", "silent"].map((level) => Type.Literal(level)) as never, { default: "info" }),
  },
  { additionalProperties: false },
);
export type Config = Static<typeof ConfigSchema> & { logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent" };

export interface ConfigSources {
  readonly file?: string;
  readonly env: NodeJS.ProcessEnv;
  readonly overrides?: Record<string, unknown>;
  readonly cwd: string;
}

function merge(target: Record<string, unknown>, source: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined) continue;
    const current = target[key];
    target[key] =
      typeof value === "object" && value !== null && !Array.isArray(value) && typeof current === "object" && current !== null
        ? merge({ ...(current as Record<string, unknown>) }, value as Record<string, unknown>)
        : value;
  }
  return target;
}

const fromEnv = (env: NodeJS.ProcessEnv): Record<string, unknown> => {
  const number = (name: string) => (env[name] !== undefined && env[name] !== "" ? Number(env[name]) : undefined);
  return {
    listen: { host: env.PLATEAU_HOST || undefined, port: number("PLATEAU_PORT") },
    dataDir: env.PLATEAU_DATA_DIR || undefined,
    database: env.PLATEAU_DATABASE_URL || undefined,
    logLevel: env.PLATEAU_LOG_LEVEL || undefined,
    publicUrl: env.PLATEAU_PUBLIC_URL || undefined,
    replication: { replicaId: env.PLATEAU_REPLICA_ID || env.POD_NAME || undefined },
    helm: { command: env.PLATEAU_HELM_COMMAND || undefined },
  };
};

export function loadConfig(sources: ConfigSources): Config {
  const explicit = sources.file ?? sources.env.PLATEAU_CONFIG;
  const file = explicit ? resolve(sources.cwd, explicit) : join(sources.cwd, "plateau.yaml");
  let fromFile: Record<string, unknown> = {};
  if (existsSync(file)) {
    const parsed = fromYaml(readFileSync(file, "utf8"), file);
    if (parsed !== null && (typeof parsed !== "object" || Array.isArray(parsed))) throw InputError.field("", "type", `${file} must hold a mapping`);
    fromFile = (parsed as Record<string, unknown> | null) ?? {};
  } else if (explicit) {
    throw InputError.field("/config", "exists", `configuration file ${file} does not exist`);
  }
  const raw = merge(merge(merge({}, fromFile), fromEnv(sources.env)), sources.overrides ?? {});
  const withDefaults = Value.Default(ConfigSchema, raw);
  if (!Value.Check(ConfigSchema, withDefaults)) {
    const issues: InputIssue[] = [...Value.Errors(ConfigSchema, withDefaults)]
      .slice(0, 10)
      .map((error) => ({ pointer: error.instancePath, rule: error.keyword, message: error.message }));
    const first = issues[0];
    throw new InputError(`invalid configuration: ${first?.pointer || "/"} ${first?.message ?? ""} [${first?.rule ?? ""}]`, issues);
  }
  const config = withDefaults as Config;
  // Secrets may come from the environment rather than the file: PLATEAU_OIDC_<ID>_CLIENT_SECRET,
  // PLATEAU_OIDC_<ID>_PRIVATE_KEY_FILE.
  const providers = config.identity.providers.map((provider) => {
    const variable = `PLATEAU_OIDC_${provider.id.toUpperCase().replace(/-/g, "_")}`;
    const secret = sources.env[`${variable}_CLIENT_SECRET`];
    const keyFile = sources.env[`${variable}_PRIVATE_KEY_FILE`] || provider.privateKeyFile;
    return {
      ...provider,
      ...(secret ? { clientSecret: secret } : {}),
      ...(keyFile ? { privateKeyFile: resolve(sources.cwd, keyFile) } : {}),
    };
  });
  const ids = new Set<string>();
  providers.forEach((provider, i) => {
    const at = `/identity/providers/${i}`;
    if (ids.has(provider.id)) throw InputError.field(`${at}/id`, "uniqueItems", `provider id "${provider.id}" is used twice`);
    ids.add(provider.id);
    const method = provider.tokenEndpointAuthMethod;
    if (method === "private_key_jwt" && !provider.privateKeyFile)
      throw InputError.field(
        `${at}/privateKeyFile`,
        "required",
        "private_key_jwt needs the client's private key (privateKeyFile or PLATEAU_OIDC_<ID>_PRIVATE_KEY_FILE)",
      );
    if (method !== "private_key_jwt" && provider.privateKeyFile)
      throw InputError.field(`${at}/tokenEndpointAuthMethod`, "private-key", "a private key is configured: set tokenEndpointAuthMethod to private_key_jwt");
    if ((method === "client_secret_basic" || method === "client_secret_post") && !provider.clientSecret)
      throw InputError.field(`${at}/clientSecret`, "required", `${method} needs the client secret (clientSecret or PLATEAU_OIDC_<ID>_CLIENT_SECRET)`);
  });
  checkHelmCatalogConfigs(config.catalogs);
  config.images.registries?.forEach((registry, i) => {
    const problem = forbiddenRegistryProblem(registry);
    if (problem) throw InputError.field(`/images/registries/${i}`, "image-address", `${problem}: Plateau never pulls images from there`);
  });
  if (config.replication.enabled) {
    const database = config.database ?? "";
    if (!/^postgres(ql)?:\/\//.test(database))
      throw InputError.field("/database", "replication", "several replicas share one PostgreSQL: set database to a postgres:// URL (or PLATEAU_DATABASE_URL)");
    if (!config.remote) throw InputError.field("/remote", "replication", "several replicas share one repository on a forge: configure remote");
  }
  if (config.tokens.defaultDays > config.tokens.maxDays) throw InputError.field("/tokens/defaultDays", "maximum", "must not exceed tokens.maxDays");
  if (config.lifecycle.renewDays > config.lifecycle.maxDays) throw InputError.field("/lifecycle/renewDays", "maximum", "must not exceed lifecycle.maxDays");
  if ((config.lifecycle.expiryDays ?? 0) > config.lifecycle.maxDays) {
    throw InputError.field("/lifecycle/expiryDays", "maximum", "must not exceed lifecycle.maxDays");
  }
  // A path (with a slash) is relative to where Plateau was started; a bare name is looked up in PATH.
  const helmCommand = config.helm.command?.includes("/") ? resolve(sources.cwd, config.helm.command) : config.helm.command;
  return {
    ...config,
    identity: { ...config.identity, providers },
    dataDir: resolve(sources.cwd, config.dataDir),
    helm: { ...config.helm, ...(helmCommand ? { command: helmCommand } : {}) },
  };
}

/** What core is told of the lifecycle settings: 0 and null both mean that instances never expire. */
export const lifecycleSettings = (config: Config) => ({
  expiryDays: config.lifecycle.expiryDays || null,
  renewDays: config.lifecycle.renewDays,
  maxDays: config.lifecycle.maxDays,
});

export const paths = (config: Config) => ({
  database: config.database ?? join(config.dataDir, "plateau.db"),
  repository: config.repository ? resolve(config.dataDir, config.repository) : join(config.dataDir, "state.git"),
  runtime: join(config.dataDir, "run"),
  catalog: config.catalogDir ?? join(PACKAGE_ROOT, "catalog"),
  helm: helmCommand(config),
});

/** The Helm binary: the setting, else the one `npm install` put in this installation (scripts/fetch-helm.mjs), else `helm` from PATH. */
export function helmCommand(config: Config, packageRoot = PACKAGE_ROOT): string {
  if (config.helm.command) return config.helm.command;
  const installed = join(packageRoot, "tools", "helm", "helm");
  return existsSync(installed) ? installed : "helm";
}

/** What core is told of idle reclaim's defaults (ADR 28). */
export const reclaimSettings = (config: Config) => ({
  idleHours: config.reclaim.idleHours,
  notifyHoursBefore: config.reclaim.notifyHoursBefore,
  stop: config.reclaim.stop,
  deleteAfterDaysStopped: config.reclaim.deleteAfterDaysStopped,
  exempt: false,
  templates: config.reclaim.templates,
  exemptProjectTiers: config.reclaim.exemptProjectTiers,
  cpuThresholdCores: config.reclaim.cpuThresholdCores,
});
