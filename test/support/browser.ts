// A tiny browser for tests that sign in over real HTTP: a cookie jar per host, redirects
// followed by hand (so every hop crosses real sockets), and forms posted as browsers do.
// Like Chromium, it resolves `localhost` and every `*.localhost` name to the loopback address.
import { request as httpRequest } from "node:http";

interface RawAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

function send(url: string, method: string, headers: Record<string, string>, body: string | undefined): Promise<RawAnswer> {
  const target = new URL(url);
  const loopback = target.hostname === "localhost" || target.hostname.endsWith(".localhost");
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: loopback ? "127.0.0.1" : target.hostname,
        port: target.port || 80,
        path: `${target.pathname}${target.search}`,
        method,
        headers: { host: target.host, ...headers },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => {
          const answer = new Headers();
          for (let i = 0; i < res.rawHeaders.length; i += 2) answer.append(res.rawHeaders[i] ?? "", res.rawHeaders[i + 1] ?? "");
          resolve({ status: res.statusCode ?? 0, headers: answer, body: text });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

interface StoredCookie {
  readonly value: string;
  readonly expires: number | null;
}

export interface Hop {
  readonly url: string;
  readonly status: number;
  /** The Set-Cookie lines of the answer. */
  readonly setCookies: readonly string[];
}

export interface BrowserResponse {
  readonly url: string;
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
  /** Every request made, in order, redirects included. */
  readonly hops: readonly Hop[];
}

export function createBrowser(options: { acceptLanguage?: string } = {}) {
  const jar = new Map<string, Map<string, StoredCookie>>();
  const hostOf = (url: string) => new URL(url).host;

  function cookieHeader(url: string): string | undefined {
    const cookies = jar.get(hostOf(url));
    if (!cookies) return undefined;
    const now = Date.now();
    const pairs = [...cookies].filter(([, cookie]) => cookie.expires === null || cookie.expires > now).map(([name, cookie]) => `${name}=${cookie.value}`);
    return pairs.length > 0 ? pairs.join("; ") : undefined;
  }

  function store(url: string, headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";").map((part) => part.trim());
      const index = pair.indexOf("=");
      const name = pair.slice(0, index);
      const value = pair.slice(index + 1);
      const maxAge = attributes.find((a) => a.toLowerCase().startsWith("max-age="));
      const expires = maxAge ? Date.now() + Number(maxAge.slice(8)) * 1000 : null;
      const cookies = jar.get(hostOf(url)) ?? new Map<string, StoredCookie>();
      if (expires !== null && expires <= Date.now()) cookies.delete(name);
      else cookies.set(name, { value, expires });
      jar.set(hostOf(url), cookies);
    }
  }

  async function request(
    url: string,
    init: { method?: string; body?: string; headers?: Record<string, string>; follow?: boolean } = {},
  ): Promise<BrowserResponse> {
    const hops: Hop[] = [];
    let current = url;
    let method = init.method ?? "GET";
    let body = init.body;
    let headers = init.headers ?? {};
    for (let i = 0; i < 25; i++) {
      const cookie = cookieHeader(current);
      const response = await send(
        current,
        method,
        { ...(options.acceptLanguage ? { "accept-language": options.acceptLanguage } : {}), ...headers, ...(cookie ? { cookie } : {}) },
        body,
      );
      store(current, response.headers);
      hops.push({ url: current, status: response.status, setCookies: response.headers.getSetCookie() });
      const location = response.headers.get("location");
      if (init.follow === false || response.status < 300 || response.status >= 400 || !location) {
        return { url: current, status: response.status, headers: response.headers, body: response.body, hops };
      }
      current = new URL(location, current).toString();
      // 303 (and 302 after a POST, as browsers do) become GETs.
      method = "GET";
      body = undefined;
      headers = {};
    }
    throw new Error(`too many redirects from ${url}`);
  }

  return {
    get: (url: string, headers: Record<string, string> = {}) => request(url, { headers }),
    request,
    /** Posts a form as a browser does. */
    post: (url: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
      request(url, {
        method: "POST",
        body: new URLSearchParams(fields).toString(),
        headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      }),
    cookie: (url: string, name: string): string | undefined => jar.get(hostOf(url))?.get(name)?.value,
    setCookie: (url: string, name: string, value: string) => {
      const cookies = jar.get(hostOf(url)) ?? new Map<string, StoredCookie>();
      cookies.set(name, { value, expires: null });
      jar.set(hostOf(url), cookies);
    },
    clear: () => jar.clear(),
  };
}

export type Browser = ReturnType<typeof createBrowser>;

/** The login form's action on the embedded provider's page. */
export function formAction(html: string, base: string): string {
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
  if (!action) throw new Error(`no form on the page:\n${html.slice(0, 500)}`);
  return new URL(action.replace(/&amp;/g, "&"), base).toString();
}
