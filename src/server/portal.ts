// The portal's files (built by Vite into dist/web), served by Plateau on its own origin:
// read and compressed once at start-up, hashed assets cached for a year, the page itself for
// every portal address (contracts/portal.ts), under a CSP that runs only Plateau's own scripts.
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, relative, sep } from "node:path";
import { gzipSync } from "node:zlib";
import { isPortalPath } from "../contracts/portal.js";

/** Scripts and styles from Plateau only; images also from the catalogs' icon hosts (https). */
export const PORTAL_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
};
const COMPRESSIBLE = new Set([".html", ".js", ".css", ".svg", ".json"]);

interface PortalFile {
  readonly type: string;
  readonly body: Buffer;
  readonly gzipped: Buffer | undefined;
  readonly etag: string;
  readonly cacheControl: string;
}

export interface Portal {
  /** Answers the request if it is for the portal (a page or one of its files); false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Every file with its size and gzipped size, for the benchmark and the start-up log. */
  readonly files: ReadonlyMap<string, { readonly bytes: number; readonly gzipBytes: number }>;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/** The portal built in `dir`, or undefined when it has not been built (`npm run build`). */
export async function loadPortal(dir: string): Promise<Portal | undefined> {
  const paths = await listFiles(dir).catch(() => []);
  const files = new Map<string, PortalFile>();
  for (const path of paths) {
    const url = `/${relative(dir, path).split(sep).join("/")}`;
    const extension = extname(path);
    const body = await readFile(path);
    const gzipped = COMPRESSIBLE.has(extension) && body.length > 512 ? gzipSync(body, { level: 9 }) : undefined;
    files.set(url, {
      type: TYPES[extension] ?? "application/octet-stream",
      body,
      gzipped,
      etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`,
      // Vite names assets after their content: they never change under the same name.
      cacheControl: url.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache",
    });
  }
  const page = files.get("/index.html");
  if (!page) return undefined;

  return {
    files: new Map([...files].map(([url, file]) => [url, { bytes: file.body.length, gzipBytes: (file.gzipped ?? file.body).length }])),
    handle(req, res) {
      if (req.method !== "GET" && req.method !== "HEAD") return false;
      const path = (req.url ?? "/").split("?")[0] ?? "/";
      const file = isPortalPath(path) ? page : path !== "/index.html" ? files.get(path) : undefined;
      if (!file) return false;
      res.setHeader("content-type", file.type);
      res.setHeader("cache-control", file.cacheControl);
      res.setHeader("etag", file.etag);
      res.setHeader("vary", "accept-encoding");
      if (file === page) res.setHeader("content-security-policy", PORTAL_CSP);
      if (req.headers["if-none-match"] === file.etag) {
        res.writeHead(304).end();
        return true;
      }
      const gzip = file.gzipped && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
      const body = gzip ? file.gzipped! : file.body;
      if (gzip) res.setHeader("content-encoding", "gzip");
      res.setHeader("content-length", body.length);
      res.writeHead(200);
      res.end(req.method === "HEAD" ? undefined : body);
      return true;
    },
  };
}
