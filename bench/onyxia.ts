// B8: reading a real Helm repository index — Onyxia's interactive services, 2.3 MB, 2,567
// chart versions — into a catalog (parseHelmIndex: parse, choose versions, resolve URLs) vs
// the `yaml` library merely parsing the same text. A catalog refresh must not block the
// event loop for the half second a full YAML parse takes.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { parseHelmIndex } from "../src/core/helm/index-file.js";
import { median, ms, ratio, timed, type Row } from "./stats.js";

const FIXTURE = process.env.PLATEAU_ONYXIA_FIXTURE ?? join(import.meta.dirname, "..", "test", "fixtures", "onyxia-catalog");
const REPETITIONS = 5;

export async function benchOnyxia(log: (line: string) => void): Promise<Row[]> {
  const text = await readFile(join(FIXTURE, "index.yaml"), "utf8");
  const config = {
    id: "ide",
    location: "https://inseefrlab.github.io/helm-charts-interactive-services",
    excludedCharts: [],
    highlightedCharts: ["jupyter-python", "rstudio", "vscode-python"],
    multipleServicesMode: "all" as const,
    maxNumberOfVersions: 5,
  };
  // One untimed run of each, so that neither pays for the other's compilation.
  const index = parseHelmIndex(text, config);
  parse(text);
  const ours: number[] = [];
  const baseline: number[] = [];
  for (let r = 0; r < REPETITIONS; r++) {
    ours.push(await timed(async () => parseHelmIndex(text, config)));
    baseline.push(await timed(async () => parse(text)));
  }
  const oursMs = median(ours);
  const baselineMs = median(baseline);
  const versions = index.charts.reduce((sum, chart) => sum + chart.versions.length, 0);
  const value = oursMs / baselineMs;
  log(
    `  B8 index of ${(Buffer.byteLength(text) / 1e6).toFixed(1)} MB, ${index.charts.length} charts, ${versions} versions (${index.parser} reader): ours ${ms(oursMs)} ms, yaml.parse ${ms(baselineMs)} ms, ${ratio(value)} (median of ${REPETITIONS})`,
  );
  return [
    {
      name: "B8 Helm repository index (Onyxia's, 2.3 MB) into a catalog",
      ours: `${ms(oursMs)} ms`,
      baseline: `${ms(baselineMs)} ms (yaml.parse of the same text)`,
      ratio: ratio(value),
      target: "≤ 1×",
      met: value <= 1,
    },
  ];
}
