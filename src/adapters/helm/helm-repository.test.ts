// A local Helm repository serving the fixture's charts, packed as Helm packs them
// (`<name>-<version>.tgz`, everything under `<name>/`), with an index pointing at them.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { InputError, UnavailableError } from "../../core/errors.js";
import { parseHelmCatalogConfig } from "../../core/helm/catalog-config.js";
import { parseHelmIndex } from "../../core/helm/index-file.js";
import { computeHelmForm, type HelmValuesContext } from "../../core/helm/form.js";
import { checkHelmValues } from "../../core/helm/values.js";
import { readChartArchive } from "./chart-archive.js";
import { createHelmRepository } from "./helm-repository.js";
import { hasTar } from "../../../test/support/chart-repository.js";

const FIXTURE = join(import.meta.dirname, "..", "..", "..", "test", "fixtures", "onyxia-catalog", "charts");
const CHARTS = ["jupyter-python", "jupyter-pytorch-gpu", "rstudio", "vscode-python"];

const context: HelmValuesContext = {
  user: { idep: "jdupont", name: "Jean Dupont", email: "jean.dupont@univ-rennes.fr", lang: "en" },
  project: { id: "user-jdupont", basename: "jdupont" },
  k8s: { domain: "lab.example.org", randomSubdomain: "482913", ingressClassName: "nginx", ingress: true, route: false },
  region: { resources: { cpuRequest: "200m", memoryRequest: "4Gi" } },
  s3: { AWS_ACCESS_KEY_ID: "AKIAEXAMPLE", AWS_S3_ENDPOINT: "s3.lab.example.org" },
};

describe.skipIf(!existsSync(FIXTURE) || !hasTar())("createHelmRepository", () => {
  let server: Server;
  let base: string;
  let dir: string;
  const archives = new Map<string, Buffer>();
  let indexText = "";

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "plateau-helm-repo-"));
    const entries: Record<string, unknown[]> = {};
    for (const name of CHARTS) {
      const chart = parse(await readFile(join(FIXTURE, name, "Chart.yaml"), "utf8")) as Record<string, unknown>;
      const file = `${name}-${String(chart.version)}.tgz`;
      execFileSync("tar", ["-czf", join(dir, file), "-C", FIXTURE, name]);
      const archive = await readFile(join(dir, file));
      archives.set(`/repo/charts/${file}`, archive);
      const digest = createHash("sha256").update(archive).digest("hex");
      // rstudio's archive is listed through a redirect, as GitHub releases are.
      const url = name === "rstudio" ? `/redirect/repo/charts/${file}` : `charts/${file}`;
      entries[name] = [{ ...chart, created: "2026-07-20T00:00:00Z", digest, urls: [url] }];
    }
    indexText = stringify({ apiVersion: "v1", entries, generated: "2026-07-20T00:00:00Z" });

    server = createServer((request, response) => {
      const url = request.url ?? "/";
      if (url === "/repo/index.yaml" || url === "/gzip/index.yaml") {
        const gzip = url.startsWith("/gzip") && /gzip/.test(String(request.headers["accept-encoding"]));
        response.writeHead(200, { "content-type": "text/yaml", ...(gzip ? { "content-encoding": "gzip" } : {}) });
        response.end(gzip ? gzipSync(indexText) : indexText);
      } else if (archives.has(url)) {
        response.writeHead(200, { "content-type": "application/gzip" });
        response.end(archives.get(url));
      } else if (url.startsWith("/redirect/")) {
        response.writeHead(302, { location: url.slice("/redirect".length) });
        response.end();
      } else if (url === "/loop") {
        response.writeHead(302, { location: "/loop" });
        response.end();
      } else if (url === "/to-file") {
        response.writeHead(302, { location: "file:///etc/passwd" });
        response.end();
      } else if (url === "/slow/index.yaml") {
        // never answers: the deadline must end the request
      } else if (url === "/big/index.yaml") {
        response.writeHead(200);
        const chunk = Buffer.alloc(64 * 1024, "a");
        for (let i = 0; i < 64; i++) response.write(chunk);
        response.end();
      } else {
        response.writeHead(404);
        response.end("not found");
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it("serves the catalog: index, archives, forms and values of every chart", async () => {
    const config = parseHelmCatalogConfig({ id: "ide", location: `${base}/repo`, name: "Interactive services" });
    const repository = createHelmRepository({ location: config.location, timeoutMs: 5_000 });
    const index = parseHelmIndex(await repository.index(), config);
    expect(index.charts.map((chart) => chart.name)).toEqual([...CHARTS].sort());
    for (const chart of index.charts) {
      const version = chart.versions[0];
      expect(version?.urls[0]).toMatch(new RegExp(`^${base}/`));
      const archive = await repository.chart(version?.urls[0] as string);
      expect(createHash("sha256").update(archive).digest("hex")).toBe(version?.digest);
      const files = readChartArchive(archive, { name: chart.name });
      const { schema, defaults } = computeHelmForm({ valuesSchema: files.valuesSchemaJson as string, valuesYaml: files.valuesYaml, context });
      expect(checkHelmValues(schema, {})).toEqual(defaults);
      expect(defaults).toMatchObject({ resources: { requests: { cpu: "200m", memory: "4Gi" } }, s3: { accessKeyId: "AKIAEXAMPLE" } });
    }
  });

  it("reads a gzip-encoded index, and through a given fetch", async () => {
    expect(await createHelmRepository({ location: `${base}/gzip/` }).index()).toBe(indexText);
    expect(await createHelmRepository({ location: `${base}/repo`, fetch }).index()).toBe(indexText);
    const viaFetch = createHelmRepository({ location: `${base}/repo`, fetch });
    expect(await viaFetch.chart(`${base}/redirect/repo/charts/rstudio-2.5.5.tgz`)).toEqual(archives.get("/repo/charts/rstudio-2.5.5.tgz"));
  });

  it("gives up at the deadline, on errors and on too many redirects", async () => {
    const start = performance.now();
    await expect(createHelmRepository({ location: `${base}/slow`, timeoutMs: 200 }).index()).rejects.toThrow(UnavailableError);
    expect(performance.now() - start).toBeLessThan(10_000);
    await expect(createHelmRepository({ location: `${base}/slow`, timeoutMs: 200, fetch }).index()).rejects.toThrow(/did not answer within 200 ms/);
    await expect(createHelmRepository({ location: `${base}/missing` }).index()).rejects.toThrow(/HTTP 404/);
    const repository = createHelmRepository({ location: `${base}/repo` });
    await expect(repository.chart(`${base}/loop`)).rejects.toThrow(/redirects/);
    await expect(repository.chart(`${base}/to-file`)).rejects.toThrow(InputError);
    await expect(createHelmRepository({ location: "http://127.0.0.1:1" }).index()).rejects.toThrow(UnavailableError);
  });

  it("refuses answers over the size limit and URLs that are not http(s)", async () => {
    await expect(createHelmRepository({ location: `${base}/big`, maxIndexBytes: 1024 * 1024 }).index()).rejects.toThrow(InputError);
    await expect(createHelmRepository({ location: `${base}/big`, maxIndexBytes: 1024 * 1024, fetch }).index()).rejects.toThrow(InputError);
    expect((await createHelmRepository({ location: `${base}/big`, maxIndexBytes: 8 * 1024 * 1024 }).index()).length).toBe(4 * 1024 * 1024);
    const repository = createHelmRepository({ location: `${base}/repo` });
    await expect(repository.chart("file:///etc/passwd")).rejects.toThrow(InputError);
    expect(() => createHelmRepository({ location: "ftp://example.org/charts" })).toThrow(InputError);
  });
});

describe("a Helm repository that closes kept-alive connections", () => {
  it("sends a request again, once, on a new connection when the server had closed the reused one", async () => {
    // Each connection serves one request; a second one on it is cut off, as a server does past its idle timeout.
    let cut = 0;
    const served = new WeakSet<object>();
    const server = createServer((request, response) => {
      if (served.has(request.socket)) {
        cut++;
        request.socket.destroy();
        return;
      }
      served.add(request.socket);
      response.writeHead(200, { "content-type": "text/yaml", connection: "keep-alive" });
      response.end("apiVersion: v1\nentries: {}\n");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const repository = createHelmRepository({ location: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` });
      for (let i = 0; i < 3; i++) expect(await repository.index()).toContain("apiVersion: v1");
      expect(cut).toBeGreaterThan(0);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
