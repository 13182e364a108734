// Against a small Kubernetes API server started by the test: it checks what the real one
// would (bearer token, server-side apply's content type and field manager, a valid Secret).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Secret } from "kubernetes-models/v1/Secret";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UnavailableError } from "../../core/errors.js";
import { createSecretHandOver } from "./secret-hand-over.js";

const TOKEN = "sa-token-of-plateau";

describe("handing generated secrets over to a cluster", () => {
  let server: Server;
  let apiURL: string;
  const secrets = new Map<string, Record<string, unknown>>();
  const requests: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      request.on("end", () => {
        const url = new URL(request.url ?? "/", "http://x");
        requests.push(`${request.method} ${url.pathname}${url.search}`);
        const reply = (status: number, value: unknown) => {
          response.writeHead(status, { "content-type": "application/json" });
          response.end(JSON.stringify(value));
        };
        if (request.headers.authorization !== `Bearer ${TOKEN}`) return reply(401, { kind: "Status", message: "Unauthorized", code: 401 });
        const match = /^\/api\/v1\/namespaces\/([^/]+)\/secrets\/([^/]+)$/.exec(url.pathname);
        if (!match) return reply(404, { kind: "Status", message: "not found", code: 404 });
        const key = `${match[1]}/${match[2]}`;
        if (request.method === "DELETE") {
          if (!secrets.delete(key)) return reply(404, { kind: "Status", message: `secrets "${match[2]}" not found`, code: 404 });
          return reply(200, { kind: "Status", status: "Success" });
        }
        if (request.method !== "PATCH" || request.headers["content-type"] !== "application/apply-patch+yaml") {
          return reply(415, { kind: "Status", message: "unsupported", code: 415 });
        }
        if (url.searchParams.get("fieldManager") !== "plateau") return reply(422, { kind: "Status", message: "fieldManager is required for apply", code: 422 });
        const object = JSON.parse(body) as Record<string, { name?: string; namespace?: string }>;
        new Secret(object as never).validate();
        if (object.metadata?.name !== match[2] || object.metadata?.namespace !== match[1])
          return reply(400, { kind: "Status", message: "name mismatch", code: 400 });
        secrets.set(key, object);
        return reply(200, object);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    apiURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("writes the Secret by server-side apply, base64-encoded and labelled, then deletes it (twice is fine)", async () => {
    const handOver = createSecretHandOver({ apiURL, token: TOKEN });
    await handOver.put("demo", "blog-generated", { "db-password": "s3cr3t-é" });
    const stored = secrets.get("demo/blog-generated") as { data: Record<string, string>; metadata: { labels: Record<string, string> } };
    expect(Buffer.from(stored.data["db-password"] ?? "", "base64").toString("utf8")).toBe("s3cr3t-é");
    expect(stored.metadata.labels["app.kubernetes.io/managed-by"]).toBe("plateau");
    expect(requests.at(-1)).toBe("PATCH /api/v1/namespaces/demo/secrets/blog-generated?fieldManager=plateau&force=true");
    await handOver.remove("demo", "blog-generated");
    await handOver.remove("demo", "blog-generated");
    expect(secrets.has("demo/blog-generated")).toBe(false);
  });

  it("says when the token is refused or the API is unreachable, and refuses names that are not names before sending anything", async () => {
    await expect(createSecretHandOver({ apiURL, token: "wrong" }).put("demo", "x-generated", { a: "b" })).rejects.toThrow(/refused the token/);
    await expect(createSecretHandOver({ apiURL: "http://127.0.0.1:1", token: TOKEN }).put("demo", "x-generated", { a: "b" })).rejects.toBeInstanceOf(
      UnavailableError,
    );
    const before = requests.length;
    await expect(createSecretHandOver({ apiURL, token: TOKEN }).put("../kube-system", "x", { a: "b" })).rejects.toMatchObject({ name: "InputError" });
    await expect(createSecretHandOver({ apiURL, token: TOKEN }).put("demo", "X/../y", { a: "b" })).rejects.toMatchObject({ name: "InputError" });
    expect(requests.length).toBe(before);
  });
});
