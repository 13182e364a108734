// `npm run bench [-- --write] [-- --only B1|B2|B3|B4|B7|B8|B9|B10|B11|B12|B12d|B13|B14|B15|B16|B17]`: every benchmark, as ratios against a
// baseline measured in the same run; --write also updates docs/benchmarks.md.
import { readFile, writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { run } from "../src/adapters/process.js";
import { PACKAGE_ROOT } from "../src/main/config.js";
import { benchApi } from "./api.js";
import { benchBackups } from "./backups.js";
import { benchBuckets } from "./buckets.js";
import { benchChart } from "./chart.js";
import { benchColdStart } from "./cold-start.js";
import { benchCommit } from "./commit.js";
import { benchCommunity } from "./b14-community.js";
import { benchLaunch } from "./launch.js";
import { benchLaunchAtScale } from "./launch-at-scale.js";
import { benchPlacement } from "./placement.js";
import { benchProxy } from "./proxy.js";
import { benchRender } from "./render.js";
import { benchOnyxia } from "./onyxia.js";
import { benchPortal } from "./portal.js";
import { benchUsage } from "./usage.js";
import { benchDrillOverhead } from "./drill-overhead.js";
import type { Row } from "./stats.js";

const args = process.argv.slice(2);
const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined;
const log = (line: string) => process.stderr.write(`${line}\n`);

const rows: Row[] = [];
if (!only || only === "B1") {
  log("B1: commit…");
  rows.push(...(await benchCommit(log)));
}
if (!only || only === "B2") {
  log("B2: render…");
  rows.push(...(await benchRender(log)));
}
if (!only || only === "B3") {
  log("B3: placement…");
  rows.push(...(await benchPlacement(log)));
}
if (!only || only === "B8") {
  log("B8: Onyxia index…");
  rows.push(...(await benchOnyxia(log)));
}
if (!only || only === "B9") {
  log("B9: portal first load…");
  rows.push(...(await benchPortal(log)));
}
if (!only || only === "B10") {
  log("B10: chart launch with its preflight…");
  rows.push(...(await benchChart(log)));
}
if (!only || only === "B11") {
  log("B11: a lab's 30-day efficiency report…");
  rows.push(...(await benchUsage(log)));
}
if (!only || only === "B12") {
  log("B12: a podman volume backed up and restored vs tar + the S3 client…");
  rows.push(...(await benchBackups(log)));
}
if (!only || only === "B16") {
  log("B16: buckets: 1 GiB through a bucket Plateau made, and bucket creation…");
  rows.push(...(await benchBuckets(log)));
}
if (!only || only === "B12d") {
  log("B12d: a drill's own overhead beyond its restores…");
  rows.push(...(await benchDrillOverhead(log)));
}
if (!only || only === "B13") {
  log("B13: proxy: HTTP and WebSocket through Plateau's proxy vs straight to the instance…");
  rows.push(...(await benchProxy(log)));
}
if (!only || only === "B15") {
  log("B15: cold start with 20,000 instances: index rebuilt and first reconcile plan…");
  rows.push(...(await benchColdStart(log)));
}
if (!only || only === "B17") {
  log("B17: a launch in an installation of 20,000 instances vs in an empty one…");
  rows.push(...(await benchLaunchAtScale(log)));
}
if (!only || only === "B4") {
  log("B4: API overhead…");
  rows.push(...(await benchApi(log)));
}
if (!only || only === "B14") {
  log("B14: a community's load on one replica and on three behind a balancer…");
  rows.push(...(await benchCommunity(log)));
}
if (!only || only === "B7") {
  log("B7: launch…");
  rows.push(...(await benchLaunch(log)));
}

const table = [
  "| benchmark | ours | baseline (same run) | ratio | target | met |",
  "|---|---|---|---|---|---|",
  ...rows.map(
    (row) => `| ${row.name} | ${row.ours} | ${row.baseline} | ${row.ratio} | ${row.target} | ${row.target === "-" ? "-" : row.met ? "yes" : "**no**"} |`,
  ),
].join("\n");
process.stdout.write(`\n${table}\n`);

if (args.includes("--write") && only) {
  // One benchmark measured again: its rows replace its old ones; the rest of the document stays as measured.
  const path = join(PACKAGE_ROOT, "docs", "benchmarks.md");
  const lines = (await readFile(path, "utf8")).split("\n");
  const mine = (line: string) => line.startsWith(`| ${only} `);
  const at = lines.findIndex(mine);
  const fresh = rows.map(
    (row) => `| ${row.name} | ${row.ours} | ${row.baseline} | ${row.ratio} | ${row.target} | ${row.target === "-" ? "-" : row.met ? "yes" : "**no**"} |`,
  );
  const kept = lines.filter((line) => !mine(line));
  const insertAt = at >= 0 ? at : kept.findIndex((line, i) => line.startsWith("|") && !kept[i + 1]?.startsWith("|")) + 1;
  kept.splice(insertAt, 0, ...fresh);
  await writeFile(path, kept.join("\n"));
  log(`updated the ${only} rows of docs/benchmarks.md`);
} else if (args.includes("--write")) {
  const git = (await run("git", ["--version"])).stdout.toString().trim();
  const podman = (await run("podman", ["--version"]).catch(() => ({ stdout: Buffer.from("podman: not installed") }))).stdout.toString().trim();
  const machine = `${cpus().length} cores (${cpus()[0]?.model ?? "unknown"}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${git}, ${podman}`;
  const document = `# Benchmarks

Measured by \`npm run bench -- --write\` on ${new Date().toISOString().slice(0, 10)}: ${machine}.
Each line compares Plateau with a baseline measured in the same run; medians of repeated runs.
These machines are shared and noisy: compare ratios, not absolute times.

${table}

- **B1** writes N changed instances (intent and rendered Deployment) as one commit in a repository
  holding 2,000 or 20,000 instances (80,000 files). Ours: \`git fast-import\` without a work
  tree. Baseline: the git CLI in a work tree, writing the files then \`git add -A && git commit\`.
- **B2** renders 20,000 launch intents spread over the 8 built-in templates, with varied values
  (sizes, storage, images, git repositories, commands YAML must quote, one in ten stopped), on a
  local podman platform and two clusters (OpenShift Routes, Kubernetes Ingresses). Ours is what
  the instance service does before committing a launch: \`resolveValues\`, \`renderInstance\`,
  \`validateObjects\` (kubernetes-models, and the real Route CRD) and \`toManifestFiles\` (sorted
  keys, one file per object). Baseline: \`yaml.stringify\` alone, default options, of the same
  objects, rendered beforehand (one document per object). Every timed render must be
  byte-identical to an untimed first one, or the benchmark fails. It was 1.36× with
  \`yaml.stringify\` itself as our serializer (80% of our time). What got it under 1×: our own
  emitter for plain data (\`src/core/yaml-emit.ts\`), which writes the very bytes \`yaml.stringify\`
  wrote with our options without building the library's node tree (a property test compares
  both on generated values; the only bytes that differ are literal blocks the library wrote
  wrong, which YAML read back as another string); and \`validateObjects\` no longer deep-copies
  each object (kubernetes-models' constructor already copies it).
- **B3** places 20,000 instances one after another over 10 platforms of 20 pools each (tiers,
  GPU and big-memory pools, five sizes, 500 projects in 50 labs). Ours keeps running totals of
  what runs where; the baseline recomputes every platform's usage, affinity and spread from all
  instances placed so far before each decision. Both must decide identically.
- **B8** parses the real Onyxia catalog index (2.3 MB, every version of every chart) into the
  charts Plateau offers, against \`yaml.parse\` alone of the same text.
- **B9** is the portal's first load: the production build of \`src/web\` (index.html and the
  scripts and styles it names, gzipped as \`plateau up\` serves them; pages fetched later do not count) against a bare React page rendering one heading,
  built in the same run with the same settings; then both pages loaded in chromium over an
  emulated slow 4G link (1.6 Mbit/s, 150 ms round trip, Lighthouse's mobile throttling) until
  their first heading shows (median of 5). The budget, 170 KiB gzipped, is the usual one for a
  mid-range phone on 4G.
- **B4** loads the API with autocannon on loopback (10 connections, the client in a worker
  thread): GET one instance, and the list of a project's 50 instances, with an API token,
  answered from the store (SQLite), vs a bare Fastify hello-world in the same process. Two rounds
  of 5 s runs alternate the three; the ratio is Plateau's throughput over the hello-world's in
  the same round (median of the rounds); p99 latencies are shown beside the throughputs.
  It started at 0.12× (one) and 0.03× (list): six SQL queries per request, each statement
  prepared anew by Kysely's SQLite driver, and the list serialized with a validator per
  nullable field. What got it here: prepared statements kept; who a token is kept 5 s (forgotten
  at revocation); projects, platforms, instances, lists and statuses kept in memory until the
  index or a status changes (the store contract runs through these caches); views and their
  JSON memoized by identity (their keys checked equal to the API's at compile time); one hook
  for authentication and authorization, and no per-request child logger. Then: each route
  carries its own access check and metrics hook, bound when the route is added, instead of
  global hooks reading the route's options at every request (Fastify builds that object anew at
  each read); and instance views' JSON is kept as UTF-8 bytes, no longer measured and encoded
  again at every answer (a list of 50 is 38 kB).
- **B7** launches \`static-site\` (a busybox web server built from local files). Ours: from the
  launch request to the first HTTP 200 through Plateau's proxy (with the member's token: the
  proxy checks access as for anyone), the pod started by the reconciler from the commit, on its
  project's network (made by the first launch, then kept until a sweep finds the project without
  pods). Baseline: \`podman kube play\` of the pod file our engine wrote, on podman's default
  network, to the first 200 on its port. Both poll every 5 ms. Each of 21 repetitions runs ours
  then the baseline, after a first of each that is not counted (it makes the project's network);
  the table gives median (min–max) of each side and of each repetition's ratio. "Our own work" is
  the time until \`podman kube play\` starts, minus the time spent in the podman commands run
  before it, from 7 more repetitions with podman behind a timestamping shim on both sides
  (\`PLATEAU_BENCH_TRACE=1\` prints each one's podman calls and phases).
- **B10** launches the Helm chart \`ide/jupyter-python\` with its defaults on the community's
  Kubernetes platform plmvshift, each launch a new instance name. Ours:
  \`plateau.services.instances.launch\` from call to return (forms, placement, values check, the
  chart rendered by the real Helm, the preflight's checks, the commit) in a Plateau over
  in-memory adapters (no git, no cluster) with a local chart repository. Baseline: \`helm
  template\` alone with the same binary on the same archive and values file, a fresh release
  name, started through \`process.ts\` \`run\`. 15 repetitions, ours then the baseline, after 2
  not counted; median (min–max) of each side and of each repetition's ratio. The second row is
  the launch's time outside the renderer.
`;
  await writeFile(join(PACKAGE_ROOT, "docs", "benchmarks.md"), document);
  log("wrote docs/benchmarks.md");
}
