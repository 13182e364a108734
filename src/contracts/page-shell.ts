// The shell of the HTML pages Plateau writes itself, without the portal: the server's sign-in,
// its errors and the CLI's consent (src/server/pages.ts), the embedded OpenID provider's
// sign-in (src/adapters/oidc), the proxy's status pages. One document head for all of them:
// the language, UTF-8, a viewport for phones, the title and the page's one style sheet. Pure
// and without imports, so that adapters and the server both use it.

/**
 * Text made safe for HTML, in an element or a quoted attribute: `&`, `<`, `>`, both quotes and
 * the backtick (an attribute quote to old browsers) as numeric character references.
 */
export const escapeHtml = (text: string): string => text.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);

export interface PageShell {
  /** The page's language (`lang`), as a BCP 47 tag: `fr`, `en`. */
  readonly language: string;
  /** The document's title, as text (escaped here). */
  readonly title: string;
  /**
   * The page's one style sheet: a constant of the code, never text from a request. The pages'
   * CSPs allow it inline (`style-src 'unsafe-inline'`) or by its hash.
   */
  readonly style: string;
  /** The body's HTML, every text in it already escaped by its author. */
  readonly body: string;
  /** Seconds after which the browser loads the page again (a page that waits for something). */
  readonly refreshSeconds?: number;
}

/** The whole document of a page. */
export function pageShell(page: PageShell): string {
  // A style sheet cannot end its element: it is code, and stays so.
  if (/<\//.test(page.style)) throw new Error("invariant violated: a page's style sheet is a constant without markup");
  const refresh = page.refreshSeconds === undefined ? "" : `<meta http-equiv="refresh" content="${Math.max(1, Math.trunc(page.refreshSeconds) || 1)}">`;
  return (
    `<!doctype html><html lang="${escapeHtml(page.language)}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1">${refresh}<title>${escapeHtml(page.title)}</title>` +
    `<style>${page.style}</style></head><body>${page.body}</body></html>`
  );
}
