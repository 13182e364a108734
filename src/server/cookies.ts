// Cookies, read and written by hand: a handful of lines, and no dependency that needs a
// newer Node. Plateau's cookies are `__Host-` prefixed (Secure, Path=/, no Domain: the
// browser sends them to this exact origin only) and HttpOnly.
import type { IncomingMessage } from "node:http";

export const SESSION_COOKIE = "__Host-plateau-session";
export const SIGN_IN_COOKIE = "__Host-plateau-signin";
export const INSTANCE_COOKIE = "__Host-plateau-instance";
export const LAST_PROVIDER_COOKIE = "__Host-plateau-provider";

export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const index = part.indexOf("=");
    if (index < 0) continue;
    if (part.slice(0, index).trim() !== name) continue;
    const value = part.slice(index + 1).trim();
    return /^[A-Za-z0-9_.~-]{1,200}$/.test(value) ? value : undefined;
  }
  return undefined;
}

export interface CookieOptions {
  /** Seconds; absent for a cookie that ends with the browser session. 0 deletes it. */
  readonly maxAge?: number;
  /** Lax lets the identity provider's redirect back carry it; Strict everywhere else. */
  readonly sameSite: "Strict" | "Lax";
}

export function cookieHeader(name: string, value: string, options: CookieOptions): string {
  if (!/^[A-Za-z0-9_.~-]*$/.test(value)) throw new Error("invariant violated: cookie values are URL-safe secrets");
  const parts = [`${name}=${value}`, "Path=/", "Secure", "HttpOnly", `SameSite=${options.sameSite}`];
  if (options.maxAge !== undefined) parts.push(`Max-Age=${options.maxAge}`);
  return parts.join("; ");
}

export const clearCookie = (name: string): string => cookieHeader(name, "", { maxAge: 0, sameSite: "Lax" });

/** Removes Plateau's own cookies from a Cookie header before it is forwarded to an instance. */
export function withoutPlateauCookies(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const kept = header
    .split(";")
    .map((part) => part.trim())
    .filter((part) => part && !part.startsWith("__Host-plateau-"));
  return kept.length > 0 ? kept.join("; ") : undefined;
}
