// A template for tests, run through the real render path: a busybox web server that serves
// a marker from its values and, when asked, a generated secret.
import { checkTemplate } from "../../src/core/catalog/template.js";
import { resolveValues } from "../../src/core/catalog/values.js";
import type { KubeObject } from "../../src/core/render/kube.js";
import { renderInstance } from "../../src/core/render/render.js";
import { localPlatform } from "../../src/core/testing/fixtures.js";
import { TEST_IMAGE } from "./podman.js";

const script = [
  "mkdir -p /tmp/www",
  'echo "marker: $MARKER" > /tmp/www/index.html',
  'echo "$TOKEN" > /tmp/www/secret.txt',
  'echo "serving $MARKER"',
  "exec /bin/httpd -f -v -p 8080 -h /tmp/www",
].join(" && ");

const str = (extra: object) => ({ type: "string", title: "t", description: "d", maxLength: 200, ...extra });

export const testWebTemplate = (withSecret: boolean) =>
  checkTemplate(
    {
      id: "test-web",
      version: "1.0.0",
      title: { en: "Test web", fr: "Web de test" },
      description: { en: "A busybox web server", fr: "Un serveur web busybox" },
      category: "web-sites",
      sizes: { small: { main: { cpu: "50m", memory: "32Mi" } } },
      ...(withSecret ? { secrets: [{ name: "token" }] } : {}),
      components: [
        {
          name: "main",
          image: { $value: "/image" },
          command: ["/bin/sh", "-c", script],
          ports: [{ name: "http", port: 8080 }],
          expose: { port: "http" },
          security: { readOnlyRootFilesystem: true },
          env: [{ name: "MARKER", value: { $value: "/marker" } }, ...(withSecret ? [{ name: "TOKEN", value: { $secret: "token" } }] : [])],
          volumes: [
            { name: "tmp", scratch: {} },
            { name: "data", persistent: { size: "1" } },
          ],
          mounts: [
            { volume: "tmp", mountPath: "/tmp" },
            { volume: "data", mountPath: "/data" },
          ],
        },
      ],
    },
    {
      type: "object",
      additionalProperties: false,
      properties: { image: str({ default: TEST_IMAGE }), size: str({ enum: ["small"], default: "small" }), marker: str({ default: "hello" }) },
    },
    "test/test-web",
  );

export function testWebObjects(project: string, instance: string, options: { replicas?: number; marker?: string; secretEnv?: boolean } = {}): KubeObject[] {
  const template = testWebTemplate(options.secretEnv ?? false);
  return renderInstance({
    template,
    values: resolveValues(template, { marker: options.marker ?? "hello" }),
    project,
    instance,
    state: options.replicas === 0 ? "stopped" : "running",
    platform: localPlatform,
    url: `http://${instance}.${project}.localhost/`,
  });
}
