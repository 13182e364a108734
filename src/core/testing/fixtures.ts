// Small, pure fixtures for core tests (the real catalog is tested in src/adapters/catalog).
import { checkTemplate, type Template } from "../catalog/template.js";
import { InputError, type InputIssue } from "../errors.js";
import type { PlatformDocument } from "../model.js";
import { localPlatformDocument } from "../platforms/service.js";

export const localPlatform: PlatformDocument = localPlatformDocument("localhost");

export const openshiftPlatform: PlatformDocument = {
  ...localPlatform,
  metadata: { name: "okd" },
  spec: { ...localPlatform.spec, engine: "argocd", flavour: "openshift", domain: "apps.example.org" },
};

const str = (extra: object = {}) => ({ type: "string", title: "t", description: "d", maxLength: 500, ...extra });

/** A two-component template exercising every feature of the format. */
export const webWithDatabase: Template = checkTemplate(
  {
    id: "web-db",
    version: "1.2.3",
    title: { en: "Web and database", fr: "Web et base" },
    description: { en: "Test template", fr: "Modèle de test" },
    category: "web-hosting",
    sizes: {
      small: { main: { cpu: "100m", memory: "128Mi" }, db: { cpu: "100m", memory: "256Mi" } },
      large: { main: { cpu: "1", memory: "1Gi", gpu: 1 }, db: { cpu: "1", memory: "2Gi" } },
    },
    secrets: [{ name: "db-password" }],
    access: { header: { name: "Authorization", prefix: "token ", secret: "db-password" } },
    components: [
      {
        name: "main",
        image: { $value: "/image" },
        args: ["--greeting", { $value: "/greeting" }, { $each: "/extraArgs" }],
        ports: [{ name: "http", port: 8080 }],
        expose: { port: "http" },
        readinessPath: "/healthz",
        security: { runAsUser: 1000, fsGroup: 100 },
        env: [
          { name: "DB_HOST", value: { $concat: [{ $host: "db" }, ":5432"] } },
          { name: "DB_PASSWORD", value: { $secret: "db-password" } },
          { name: "PUBLIC_URL", value: { $instance: "url" } },
          { name: "GIT_URL", value: { $value: "/git" }, when: "/git" },
        ],
        volumes: [
          { name: "data", persistent: { size: { $value: "/storage" } } },
          { name: "tmp", scratch: {} },
        ],
        mounts: [
          { volume: "data", mountPath: "/data" },
          { volume: "tmp", mountPath: "/tmp" },
          { volume: "tmp", mountPath: "/srv", subPath: "default-site", unless: "/git" },
        ],
        initContainers: [
          {
            name: "clone",
            when: "/git",
            image: "git:1",
            args: ["clone", "--", { $value: "/git" }, "/data/app"],
            mounts: [{ volume: "data", mountPath: "/data" }],
          },
        ],
      },
      { name: "db", image: "postgres:16", ports: [{ name: "pg", port: 5432 }], env: [{ name: "POSTGRES_PASSWORD", value: { $secret: "db-password" } }] },
    ],
  },
  {
    type: "object",
    additionalProperties: false,
    properties: {
      image: str({ default: "web:1" }),
      size: str({ enum: ["small", "large"], default: "small" }),
      greeting: str({ default: "hello", maxLength: 200_000 }),
      git: str({ default: "" }),
      extraArgs: { type: "array", title: "t", description: "d", items: { type: "string", maxLength: 100 }, maxItems: 10, default: [] },
      storage: { type: "integer", title: "t", description: "d", minimum: 1, maximum: 100, default: 5 },
    },
  },
  "fixtures/web-db",
);

/** The issues of the InputError that `fn` throws (any other outcome fails the test). */
export function issuesOf(fn: () => unknown): readonly InputIssue[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof InputError) return error.issues;
    throw error;
  }
  throw new Error("expected an InputError");
}
