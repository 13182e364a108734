// Plateau's configuration: one typed schema, validated once at start-up. Sources, later
// ones winning: built-in defaults, plateau.yaml (or --config), PLATEAU_* variables, flags.
import { existsSync, readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Type, type Static } from "typebox";
import { Value } from "typebox/value";
import { InputError, type InputIssue } from "../core/errors.js";
import { fromYaml } from "../core/yaml.js";

export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

export const ConfigSchema = Type.Object(
  {
    listen: Type.Object(
      {
        host: Type.String({ default: "127.0.0.1", description: "Address to listen on (127.0.0.1: this machine only)" }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
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
    /** Who the changes are made as, until sign-in exists: the author of the commits. */
    user: Type.Object(
      {
        login: Type.String({ pattern: "^[a-z0-9][-a-z0-9._]*$", maxLength: 64 }),
        name: Type.String({ maxLength: 200 }),
        email: Type.String({ maxLength: 200 }),
      },
      { additionalProperties: false },
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

function defaultUser(): Static<typeof ConfigSchema>["user"] {
  let login = "local";
  try {
    login =
      userInfo()
        .username.toLowerCase()
        .replace(/[^-a-z0-9._]/g, "") || "local";
  } catch {
    // no passwd entry (containers): keep "local"
  }
  return { login, name: login, email: `${login}@localhost` };
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
  const raw = merge(merge(merge({ user: defaultUser() }, fromFile), fromEnv(sources.env)), sources.overrides ?? {});
  const withDefaults = Value.Default(ConfigSchema, raw);
  if (!Value.Check(ConfigSchema, withDefaults)) {
    const issues: InputIssue[] = [...Value.Errors(ConfigSchema, withDefaults)]
      .slice(0, 10)
      .map((error) => ({ pointer: error.instancePath, rule: error.keyword, message: error.message }));
    const first = issues[0];
    throw new InputError(`invalid configuration: ${first?.pointer || "/"} ${first?.message ?? ""} [${first?.rule ?? ""}]`, issues);
  }
  const config = withDefaults as Config;
  return { ...config, dataDir: resolve(sources.cwd, config.dataDir) };
}

export const paths = (config: Config) => ({
  database: config.database ?? join(config.dataDir, "plateau.db"),
  repository: config.repository ? resolve(config.dataDir, config.repository) : join(config.dataDir, "state.git"),
  runtime: join(config.dataDir, "run"),
  catalog: config.catalogDir ?? join(PACKAGE_ROOT, "catalog"),
});
