// B9: the portal's first load. Ours: the production build of src/web (what `plateau up`
// serves), its index.html and the scripts and styles it names, gzipped as the server sends
// them (pages fetched when first visited do not count). Baseline,
// built in the same run with the same Vite settings: a bare React page rendering one heading,
// the least any React portal ships. Then both are loaded in chromium over an emulated slow 4G
// link (Lighthouse's mobile throttling: 1.6 Mbit/s down, 150 ms round trip), served by the
// same handler, until their first heading is painted.
import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "vite";
import { PACKAGE_ROOT } from "../src/main/config.js";
import { loadPortal, type Portal } from "../src/server/portal.js";
import { chromiumUnavailable, launchChromium } from "../test/support/chromium.js";
import { median, ms, ratio, type Row } from "./stats.js";

const SLOW_4G = { offline: false, latency: 150, downloadThroughput: (1.6 * 1024 * 1024) / 8, uploadThroughput: (750 * 1024) / 8 };
const BUDGET_KIB = 170;

async function buildInto(root: string, outDir: string): Promise<void> {
  await build({
    root,
    configFile: false,
    logLevel: "warn",
    esbuild: { jsx: "automatic" },
    build: { outDir, emptyOutDir: true, target: "es2022", assetsInlineLimit: 0, reportCompressedSize: false },
  });
}

/** Written under node_modules/.cache so that react resolves from Plateau's own node_modules, as the portal's does. */
async function bareReact(): Promise<string> {
  const root = join(PACKAGE_ROOT, "node_modules", ".cache", "plateau-bench-bare-react");
  await mkdir(root, { recursive: true });
  await writeFile(join(root, "index.html"), '<!doctype html><html><body><div id="root"></div><script type="module" src="./main.tsx"></script></body></html>');
  await writeFile(
    join(root, "main.tsx"),
    'import { createRoot } from "react-dom/client";\ncreateRoot(document.getElementById("root")!).render(<h1>Plateau</h1>);\n',
  );
  return root;
}

/** What a first visit downloads: the page and the scripts and styles it names, gzipped; pages fetched later do not count. */
async function firstLoadBytes(portal: Portal, dir: string): Promise<{ bytes: number; gzipBytes: number }> {
  const html = await readFile(join(dir, "index.html"), "utf8");
  const named = new Set(["/index.html", ...[...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((match) => match[1] ?? "")]);
  let bytes = 0;
  let gzipBytes = 0;
  for (const url of named) {
    const file = portal.files.get(url);
    if (!file) throw new Error(`index.html names ${url}, which the build does not hold`);
    bytes += file.bytes;
    gzipBytes += file.gzipBytes;
  }
  return { bytes, gzipBytes };
}

async function serve(portal: Portal): Promise<{ origin: string; close(): void }> {
  const server = createServer((req, res) => {
    if (portal.handle(req, res)) return;
    // The API is not there: the portal shows its sign-in page after /me answers 401.
    res.writeHead(req.url?.startsWith("/api/v1/identity-providers") ? 200 : 401, { "content-type": "application/json" });
    res.end(req.url?.startsWith("/api/v1/identity-providers") ? '{"items":[]}' : '{"error":{"code":"unauthenticated","message":"sign in"}}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { origin: `http://localhost:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

async function loadTimes(origin: string, rounds: number): Promise<number> {
  const browser = await launchChromium();
  try {
    const times: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const session = await context.newCDPSession(page);
      await session.send("Network.enable");
      await session.send("Network.emulateNetworkConditions", SLOW_4G);
      const start = performance.now();
      await page.goto(`${origin}/`);
      await page.locator("h1").first().waitFor();
      times.push(performance.now() - start);
      await context.close();
    }
    return median(times);
  } finally {
    await browser.close();
  }
}

export async function benchPortal(log: (line: string) => void): Promise<Row[]> {
  const dir = await mkdtemp(join(tmpdir(), "plateau-bench-portal-"));
  try {
    log("  building the portal and a bare React page…");
    await buildInto(join(PACKAGE_ROOT, "src", "web"), join(dir, "ours"));
    await buildInto(await bareReact(), join(dir, "bare-dist"));
    const ours = await loadPortal(join(dir, "ours"));
    const bare = await loadPortal(join(dir, "bare-dist"));
    if (!ours || !bare) throw new Error("a build produced no index.html");
    const oursSize = await firstLoadBytes(ours, join(dir, "ours"));
    const bareSize = await firstLoadBytes(bare, join(dir, "bare-dist"));
    const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
    const rows: Row[] = [
      {
        name: "B9 portal first load, gzipped (html + js + css)",
        ours: `${kib(oursSize.gzipBytes)} (${kib(oursSize.bytes)} raw)`,
        baseline: `${kib(bareSize.gzipBytes)} (bare React page, same build)`,
        ratio: ratio(oursSize.gzipBytes / bareSize.gzipBytes),
        target: `≤ ${BUDGET_KIB} KiB`,
        met: oursSize.gzipBytes <= BUDGET_KIB * 1024,
      },
    ];
    const unavailable = chromiumUnavailable();
    if (unavailable) {
      log(`  no load times: ${unavailable}`);
      return rows;
    }
    log("  loading both over an emulated slow 4G link…");
    const oursServer = await serve(ours);
    const bareServer = await serve(bare);
    try {
      const oursMs = await loadTimes(oursServer.origin, 5);
      const bareMs = await loadTimes(bareServer.origin, 5);
      rows.push({
        name: "B9 portal first paint of the sign-in page, slow 4G (1.6 Mbit/s, 150 ms RTT)",
        ours: `${ms(oursMs)} ms`,
        baseline: `${ms(bareMs)} ms (bare React page)`,
        ratio: ratio(oursMs / bareMs),
        target: "≤ 3000 ms",
        met: oursMs <= 3000,
      });
    } finally {
      oursServer.close();
      bareServer.close();
    }
    return rows;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
