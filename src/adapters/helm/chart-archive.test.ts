import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { InputError } from "../../core/errors.js";
import { readChartArchive } from "./chart-archive.js";
import { hasTar } from "../../../test/support/chart-repository.js";

const FIXTURE = join(import.meta.dirname, "..", "..", "..", "test", "fixtures", "onyxia-catalog", "charts");

interface TarFile {
  path: string;
  content?: string | Buffer;
  /** ustar type flag: 0 file, 5 directory, 2 symlink, x pax header… */
  type?: string;
  prefix?: string;
}

/** A minimal ustar writer, to make the archives a reader must refuse. */
function tar(files: TarFile[]): Buffer {
  const blocks: Buffer[] = [];
  for (const file of files) {
    const content = Buffer.from(file.content ?? "");
    const header = Buffer.alloc(512);
    header.write(file.path, 0, 100, "utf8");
    header.write("0000644\0", 100, "latin1");
    header.write("0000000\0", 108, "latin1");
    header.write("0000000\0", 116, "latin1");
    header.write(`${content.length.toString(8).padStart(11, "0")}\0`, 124, "latin1");
    header.write("00000000000\0", 136, "latin1");
    header.write(file.type ?? "0", 156, "latin1");
    header.write("ustar\0" + "00", 257, "latin1");
    if (file.prefix) header.write(file.prefix, 345, 155, "utf8");
    header.fill(" ", 148, 156);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
    blocks.push(header, content, Buffer.alloc((512 - (content.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

const chart = (name: string, extra: TarFile[] = []) =>
  gzipSync(
    tar([
      { path: `${name}/`, type: "5" },
      { path: `${name}/Chart.yaml`, content: `apiVersion: v2\nname: ${name}\nversion: 1.0.0\n` },
      { path: `${name}/values.yaml`, content: "replicas: 1\n" },
      { path: `${name}/values.schema.json`, content: '{"type":"object"}' },
      { path: `${name}/charts/library-chart/values.yaml`, content: "library: true\n" },
      { path: `${name}/templates/deployment.yaml`, content: "kind: Deployment\n" },
      ...extra,
    ]),
  );

const ruleOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    if (error instanceof InputError) return error.issues[0]?.rule;
    throw error;
  }
  throw new Error("expected an InputError");
};

describe("readChartArchive", () => {
  it("reads the chart's own Chart.yaml, values.yaml and values.schema.json", () => {
    expect(readChartArchive(chart("web"), { name: "web" })).toEqual({
      name: "web",
      chartYaml: "apiVersion: v2\nname: web\nversion: 1.0.0\n",
      valuesYaml: "replicas: 1\n",
      valuesSchemaJson: '{"type":"object"}',
    });
  });

  it("reads names split into the ustar prefix and pax paths", () => {
    const long = "a".repeat(120);
    const archive = (paxRecord: string) =>
      gzipSync(
        tar([
          { path: "Chart.yaml", prefix: long, content: "name: x\n" },
          { path: "PaxHeaders/0", type: "x", content: paxRecord },
          { path: "replaced-by-the-pax-path", content: "a: 1\n" },
        ]),
      );
    const record = `path=${long}/values.yaml\n`;
    let length = record.length + 2;
    while (`${length} ${record}`.length !== length) length++; // a pax record's length counts its own digits
    expect(readChartArchive(archive(`${length} ${record}`))).toMatchObject({
      name: long,
      chartYaml: "name: x\n",
      valuesYaml: "a: 1\n",
      valuesSchemaJson: undefined,
    });
    expect(ruleOf(() => readChartArchive(archive(`${length + 500} ${record}`)))).toBe("archive");
  });

  it("refuses paths escaping the chart's directory", () => {
    expect(ruleOf(() => readChartArchive(chart("web", [{ path: "web/../evil", content: "x" }])))).toBe("archive-path");
    expect(ruleOf(() => readChartArchive(chart("web", [{ path: "../evil", content: "x" }])))).toBe("archive-path");
    expect(ruleOf(() => readChartArchive(chart("web", [{ path: "/etc/cron.d/evil", content: "x" }])))).toBe("archive-path");
    expect(ruleOf(() => readChartArchive(chart("web", [{ path: "web\\..\\evil", content: "x" }])))).toBe("archive-path");
    expect(ruleOf(() => readChartArchive(chart("web", [{ path: "other/Chart.yaml", content: "x" }])))).toBe("archive");
  });

  it("ignores links, even named as the files it reads", () => {
    const archive = gzipSync(
      tar([
        { path: "web/Chart.yaml", content: "name: web\n" },
        { path: "web/values.yaml", type: "2" },
      ]),
    );
    expect(readChartArchive(archive).valuesYaml).toBeUndefined();
  });

  it("refuses archives over the size limit, compressed or not (a decompression bomb)", () => {
    const bomb = gzipSync(
      tar([
        { path: "web/Chart.yaml", content: "name: web\n" },
        { path: "web/zeros", content: Buffer.alloc(60 * 1024 * 1024) },
      ]),
    );
    expect(bomb.length).toBeLessThan(1024 * 1024);
    expect(ruleOf(() => readChartArchive(bomb))).toBe("archive-size");
    expect(ruleOf(() => readChartArchive(chart("web"), { maxBytes: 100 }))).toBe("archive-size");
  });

  it("refuses what is not a chart archive", () => {
    expect(ruleOf(() => readChartArchive(Buffer.from("<html>not found</html>")))).toBe("archive");
    expect(ruleOf(() => readChartArchive(gzipSync(tar([{ path: "web/values.yaml", content: "a: 1\n" }]))))).toBe("archive");
    expect(ruleOf(() => readChartArchive(chart("web"), { name: "other" }))).toBe("archive");
    const corrupt = tar([{ path: "web/Chart.yaml", content: "name: web\n" }]);
    corrupt[0] = "x".charCodeAt(0);
    expect(ruleOf(() => readChartArchive(gzipSync(corrupt)))).toBe("archive");
    expect(ruleOf(() => readChartArchive(gzipSync(tar([{ path: "web/Chart.yaml", content: Buffer.from([0xff, 0xfe, 0x00]) }]))))).toBe("archive");
  });

  it.skipIf(!existsSync(FIXTURE) || !hasTar())("reads archives made by the system's tar from the fixture's charts", async () => {
    const dir = await mkdtemp(join(tmpdir(), "plateau-chart-"));
    try {
      for (const name of ["jupyter-python", "rstudio"]) {
        for (const format of ["gnu", "posix", "ustar"]) {
          const file = join(dir, `${name}-${format}.tgz`);
          execFileSync("tar", ["--format", format, "-czf", file, "-C", FIXTURE, name]);
          const files = readChartArchive(await readFile(file), { name });
          expect(files.chartYaml).toBe(await readFile(join(FIXTURE, name, "Chart.yaml"), "utf8"));
          expect(files.valuesYaml).toBe(await readFile(join(FIXTURE, name, "values.yaml"), "utf8"));
          expect(files.valuesSchemaJson).toBe(await readFile(join(FIXTURE, name, "values.schema.json"), "utf8"));
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
