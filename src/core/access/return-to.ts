// Where a browser goes after signing in or bouncing through the proxy: only Plateau's own paths.

/** A returnTo is one of Plateau's own paths: never another origin (no open redirect). */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== "string" || value.length > 2000) return "/";
  // One leading slash, then not a slash or backslash (`//evil`, `/\evil` are other hosts).
  if (!/^\/(?![/\\])/.test(value)) return "/";
  // Control characters can smuggle a host past some parsers.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return "/";
  try {
    const url = new URL(value, "http://plateau.invalid");
    if (url.host !== "plateau.invalid") return "/";
    const result = `${url.pathname}${url.search}${url.hash}`;
    // Normalizing dot segments can make `/..//evil` into `//evil`: check what is returned.
    return /^\/(?![/\\])/.test(result) ? result : "/";
  } catch {
    return "/";
  }
}
