// Signing in to a running Plateau through its embedded OpenID provider, over real HTTP, as a
// browser would: the provider's login form, its redirects, the callback, the session cookie.
import { createBrowser, formAction, type Browser } from "./browser.js";

/** The demo community with passwords known to tests (written into the server's configuration). */
export const TEST_ACCOUNTS = [
  { login: "alice", name: "Alice Martin", email: "alice@imb.example.org", groups: ["lab:imb"] },
  { login: "ines", name: "Inès Dubois", email: "ines@imb.example.org", groups: ["lab:imb", "lab-admin:imb"] },
  { login: "bob", name: "Bob Bernard", email: "bob@lmbp.example.org", groups: ["lab:lmbp"] },
  { login: "lea", name: "Léa Petit", email: "lea@lmbp.example.org", groups: ["lab:lmbp", "lab-admin:lmbp"] },
  { login: "oscar", name: "Oscar Leroy", email: "oscar@plateau.example.org", groups: ["plateau:operators"] },
].map((account) => ({ ...account, password: `${account.login}-secret-password` }));

export type TestLogin = "alice" | "ines" | "bob" | "lea" | "oscar";

export const passwordOf = (login: string): string => `${login}-secret-password`;

/** The `identity:` section of a test server's plateau.yaml. */
export function identityConfig(): string {
  const lines = ["identity:", "  embedded:", "    accounts:"];
  for (const account of TEST_ACCOUNTS) {
    lines.push(
      `      - login: ${account.login}`,
      `        password: ${account.password}`,
      `        name: "${account.name}"`,
      `        email: ${account.email}`,
    );
    lines.push(`        groups: [${account.groups.map((group) => `"${group}"`).join(", ")}]`);
  }
  return `${lines.join("\n")}\n`;
}

export interface SignedInBrowser {
  readonly browser: Browser;
  readonly origin: string;
  readonly csrf: string;
}

/** Signs in through the embedded provider; returns the browser holding the session. */
export async function signIn(origin: string, login: string, password = passwordOf(login), browser: Browser = createBrowser()): Promise<SignedInBrowser> {
  const form = await browser.get(`${origin}/auth/sign-in?returnTo=/`);
  // Still signed in at the provider (its own session): it answers at once, without a form.
  const alreadyThere = form.status === 200 && new URL(form.url).origin === origin && new URL(form.url).pathname === "/";
  if (!alreadyThere && (form.status !== 200 || !form.body.includes('name="password"'))) {
    throw new Error(`no login form (${form.status}) at ${form.url}:\n${form.body.slice(0, 300)}`);
  }
  const landed = alreadyThere ? form : await browser.post(formAction(form.body, form.url), { login, password });
  if (landed.status !== 200 || new URL(landed.url).origin !== origin)
    throw new Error(`sign-in as ${login} ended at ${landed.url} (${landed.status}):\n${landed.body.slice(0, 300)}`);
  const me = await browser.get(`${origin}/api/v1/me`);
  const { csrfToken } = JSON.parse(me.body) as { csrfToken: string };
  return { browser, origin, csrf: csrfToken };
}

/** An API token made through the signed-in session (as the portal would). */
export async function createToken(session: SignedInBrowser, body: Record<string, unknown> = { name: "test" }): Promise<string> {
  const response = await session.browser.request(`${session.origin}/api/v1/tokens`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json", "x-csrf-token": session.csrf, origin: session.origin },
  });
  if (response.status !== 201) throw new Error(`token creation failed: ${response.status} ${response.body}`);
  return (JSON.parse(response.body) as { token: string }).token;
}
