// The few pages Plateau's server renders itself (sign-in, its errors, the CLI's consent):
// self-contained HTML, French or English, no script, every value escaped.

import type { Language } from "../contracts/language.js";
import { escapeHtml, pageShell } from "../contracts/page-shell.js";

export type { Language };
export { escapeHtml };

const STYLE =
  "body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b;line-height:1.5}" +
  "h1{font-size:1.5rem}a,button{font-size:1rem}ul{list-style:none;padding:0}li{margin:.4rem 0}" +
  "li a{display:block;padding:.6rem .8rem;border:1px solid #767676;border-radius:.4rem;color:#1b1b1b;text-decoration:none}" +
  "li a:hover,li a:focus{background:#eef3ff;outline:2px solid #1f4fd1}" +
  "input{font-size:1rem;padding:.5rem;width:100%;box-sizing:border-box;border:1px solid #767676;border-radius:.3rem}" +
  "button{padding:.5rem 1rem;background:#1f4fd1;color:#fff;border:0;border-radius:.3rem;cursor:pointer}" +
  ".error{color:#a00000}.muted{color:#555}";

/**
 * The CSP of these pages: no script at all, the one inline style sheet allowed, forms sent to
 * Plateau only — and, for a page whose form is answered by a redirect elsewhere, to exactly
 * that origin too (Chromium and WebKit check form-action against every redirect that follows
 * a form's POST; see `cliConsentCsp`).
 */
export const pageCsp = (formTargets: readonly string[] = []): string =>
  `default-src 'none'; style-src 'unsafe-inline'; form-action ${["'self'", ...formTargets].join(" ")}; frame-ancestors 'none'; base-uri 'none'; object-src 'none'`;

export const PAGE_CSP = pageCsp();

/**
 * The CSP of `plateau login`'s consent page. Its form posts to Plateau, which answers with a
 * 303 to the CLI's loopback callback (RFC 8252). Chromium applies the page's form-action to
 * that redirect (and blocks it under `form-action 'self'`); Firefox does not check redirects
 * today. Allowing exactly `http://127.0.0.1:<port>` — the CLI's port, validated as an integer
 * 1024–65535, the only part of the redirect the CLI chooses — works in both, and keeps working
 * if Firefox starts checking redirects as the CSP specification asks. Navigating by a link,
 * `<meta http-equiv=refresh>` or a script instead was not chosen: scripts are off on these
 * pages, and automatic refresh can be turned off by the person (Firefox's
 * accessibility.blockautorefresh) while an allowed form-action source cannot.
 */
export const cliConsentCsp = (port: number): string => {
  if (!Number.isInteger(port) || port < 1024 || port > 65535) throw new Error("invariant violated: the CLI's port is validated before it reaches the CSP");
  return pageCsp([`http://127.0.0.1:${port}`]);
};

export function page(language: Language, title: string, body: string): string {
  return pageShell({ language, title: `${title} · Plateau`, style: STYLE, body: `<main>${body}</main>` });
}

export const t = (language: Language, fr: string, en: string): string => (language === "fr" ? fr : en);
