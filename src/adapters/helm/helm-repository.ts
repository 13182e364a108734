// A Helm repository over HTTP(S): its index (`<location>/index.yaml`) and chart archives.
// Every request has a deadline and a size limit; only http(s) URLs are followed, through at
// most 5 redirects (GitHub releases redirect to their storage). The default transport is
// node:http(s), so that a catalog's CA file and skipTlsVerify apply, and it never follows a
// redirect from https to http; a `fetch` can be given instead (tests, proxies).
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { gunzipSync } from "node:zlib";
import { InputError, UnavailableError } from "../../core/errors.js";
import { DEFAULT_MAX_ARCHIVE_BYTES } from "./chart-archive.js";

export interface HelmRepository {
  /** The text of the repository's index.yaml. */
  index(): Promise<string>;
  /** The bytes of a chart archive (a URL of the index, resolved against the location when relative). */
  chart(url: string): Promise<Buffer>;
}

export interface HelmRepositoryOptions {
  /** The repository's URL, as a catalog's `location`. */
  readonly location: string;
  /** Used instead of node:http(s) when given (then `ca` and `skipTlsVerify` are the fetch's business). */
  readonly fetch?: typeof fetch;
  /** The deadline of each request, body included (default 30 s; a catalog's `timeout`). */
  readonly timeoutMs?: number;
  /** Trusted certificates (PEM) in addition to the system's: the content of a catalog's `caFile`. */
  readonly ca?: string | Buffer;
  /** Accept any certificate (a catalog's `skipTlsVerify`). */
  readonly skipTlsVerify?: boolean;
  /** The largest index accepted, in bytes (default 50 MB, decompressed). */
  readonly maxIndexBytes?: number;
  /** The largest archive accepted, in bytes (default 50 MB). */
  readonly maxArchiveBytes?: number;
}

const MAX_REDIRECTS = 5;

export function createHelmRepository(options: HelmRepositoryOptions): HelmRepository {
  const base = parseHttpUrl(options.location, "location");
  const root = new URL(base.href.endsWith("/") ? base.href : `${base.href}/`);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const get = options.fetch ? viaFetch(options.fetch) : viaNode(options);
  const load = async (url: URL, maxBytes: number): Promise<Buffer> => {
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      return await get(url, maxBytes, signal);
    } catch (error) {
      if (error instanceof InputError || error instanceof UnavailableError) throw error;
      if (signal.aborted) throw new UnavailableError(`Helm repository: ${url.href} did not answer within ${timeoutMs} ms`);
      throw new UnavailableError(`Helm repository: ${url.href}: ${(error as Error).message}`);
    }
  };
  return {
    index: async () => {
      const bytes = await load(new URL("index.yaml", root), options.maxIndexBytes ?? 50 * 1024 * 1024);
      return bytes.toString("utf8");
    },
    chart: async (url) => load(parseHttpUrl(url, "chart URL", root), options.maxArchiveBytes ?? DEFAULT_MAX_ARCHIVE_BYTES),
  };
}

type Get = (url: URL, maxBytes: number, signal: AbortSignal) => Promise<Buffer>;

function viaNode(options: HelmRepositoryOptions): Get {
  const once = (url: URL, maxBytes: number, signal: AbortSignal, retried = false): Promise<{ response: IncomingMessage; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const request = (url.protocol === "https:" ? httpsRequest : httpRequest)(
        url,
        {
          method: "GET",
          signal,
          headers: { accept: "*/*", "accept-encoding": "gzip", "user-agent": "plateau" },
          ...(url.protocol === "https:" ? { rejectUnauthorized: !options.skipTlsVerify, ...(options.ca ? { ca: options.ca } : {}) } : {}),
        },
        (response) => {
          const status = response.statusCode ?? 0;
          if (status >= 300 && status < 400) {
            response.resume(); // a redirect's body is not read
            resolve({ response, body: Buffer.alloc(0) });
            return;
          }
          readLimited(response, maxBytes, url).then((body) => resolve({ response, body }), reject);
        },
      );
      request.on("error", (error: NodeJS.ErrnoException) => {
        // A kept-alive socket the server closed meanwhile (its idle timeout) fails at once: the request never reached it, and is sent again once on a new one.
        if (request.reusedSocket && !retried && (error.code === "ECONNRESET" || error.code === "EPIPE"))
          once(url, maxBytes, signal, true).then(resolve, reject);
        else reject(error);
      });
      request.end();
    });
  return async (start, maxBytes, signal) => {
    let url = start;
    for (let redirects = 0; ; redirects++) {
      const { response, body } = await once(url, maxBytes, signal);
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400 && response.headers.location) {
        if (redirects >= MAX_REDIRECTS) throw new UnavailableError(`Helm repository: ${start.href}: more than ${MAX_REDIRECTS} redirects`);
        const next = parseHttpUrl(response.headers.location, "redirect", url);
        if (url.protocol === "https:" && next.protocol === "http:") throw new UnavailableError(`Helm repository: ${url.href} redirects from https to http`);
        url = next;
        continue;
      }
      checkStatus(status, url);
      return response.headers["content-encoding"] === "gzip" ? gunzipLimited(body, maxBytes, url) : body;
    }
  };
}

function viaFetch(fetchFn: typeof fetch): Get {
  return async (url, maxBytes, signal) => {
    // fetch follows redirects itself; the URL it ends at must still be http(s).
    const response = await fetchFn(url, { signal, redirect: "follow", headers: { accept: "*/*", "user-agent": "plateau" } });
    if (response.url && !/^https?:/.test(response.url)) throw new UnavailableError(`Helm repository: ${url.href} redirects out of http(s)`);
    checkStatus(response.status, url);
    const declared = Number(response.headers.get("content-length") ?? "0");
    if (declared > maxBytes) throw tooLarge(url, maxBytes);
    if (!response.body) return Buffer.alloc(0);
    const chunks: Buffer[] = [];
    let total = 0;
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel();
        throw tooLarge(url, maxBytes);
      }
      chunks.push(Buffer.from(value));
    }
    return Buffer.concat(chunks);
  };
}

function readLimited(response: IncomingMessage, maxBytes: number, url: URL): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      reject(error);
      response.destroy(); // after settling: destroying emits events of its own
    };
    if (Number(response.headers["content-length"] ?? "0") > maxBytes) {
      fail(tooLarge(url, maxBytes));
      return;
    }
    const chunks: Buffer[] = [];
    let total = 0;
    response.on("data", (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) fail(tooLarge(url, maxBytes));
      else chunks.push(chunk);
    });
    response.on("end", () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks));
    });
    response.on("error", fail);
    response.on("aborted", () => fail(new Error("the connection was closed before the end of the answer")));
  });
}

function gunzipLimited(body: Buffer, maxBytes: number, url: URL): Buffer {
  try {
    return gunzipSync(body, { maxOutputLength: maxBytes });
  } catch (error) {
    if (error instanceof RangeError || (error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") throw tooLarge(url, maxBytes);
    throw new UnavailableError(`Helm repository: ${url.href}: invalid gzip encoding`);
  }
}

function checkStatus(status: number, url: URL): void {
  if (status < 200 || status >= 300) throw new UnavailableError(`Helm repository: ${url.href} answered HTTP ${status}`);
}

const tooLarge = (url: URL, maxBytes: number): InputError => InputError.field("", "size", `Helm repository: ${url.href} is larger than ${maxBytes} bytes`);

/** An http(s) URL, relative ones resolved against `base`; anything else (file:, data:…) is refused. */
function parseHttpUrl(text: string, what: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    throw InputError.field("", "url", `${what} ${text} is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw InputError.field("", "url", `${what} ${text} is not an http(s) URL`);
  return url;
}
