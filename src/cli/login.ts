// `plateau login`: the browser signs in (with the institution's provider), the person allows
// the CLI, and a one-time code comes back to a loopback address only this machine can reach
// (RFC 8252). The CLI proves it started the flow with a PKCE verifier, and gets an API token.
import { createHash, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { spawn } from "node:child_process";
import { ApiError, type Client } from "./client.js";
import { loginCheckCode } from "../contracts/login.js";

const base64url = (bytes: Buffer) => bytes.toString("base64url");

export interface LoginOptions {
  readonly name: string;
  readonly openBrowser: boolean;
  readonly timeoutSeconds: number;
  /** Tells the person what to do (the URL to open). */
  readonly say: (line: string) => void;
}

function open(url: string): void {
  // Best effort: on a machine without a desktop, the printed URL is enough.
  const opener = process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer" : "xdg-open";
  try {
    const child = spawn(opener, [url], { stdio: "ignore", detached: true });
    child.on("error", () => undefined);
    child.unref();
  } catch {
    // no opener: the URL is printed
  }
}

const PAGE = (text: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>Plateau</title></head><body style="font-family:system-ui;margin:4rem auto;max-width:32rem"><h1>Plateau</h1><p>${text}</p></body></html>`;

export async function login(client: Client, options: LoginOptions): Promise<{ token: string; id: string; login: string; expiresAt: string }> {
  const verifier = base64url(randomBytes(48));
  const challenge = base64url(createHash("sha256").update(verifier).digest());
  const state = base64url(randomBytes(24));

  let settle: (result: { code: string } | { error: Error }) => void = () => undefined;
  const answered = new Promise<{ code: string } | { error: Error }>((resolve) => (settle = resolve));
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname !== "/callback") return void res.writeHead(404).end();
    const code = url.searchParams.get("code");
    if (url.searchParams.get("state") !== state || !code) {
      res
        .writeHead(400, { "content-type": "text/html; charset=utf-8" })
        .end(PAGE("This answer does not match the login in progress. / Cette réponse ne correspond pas à la connexion en cours."));
      return;
    }
    res
      .writeHead(200, { "content-type": "text/html; charset=utf-8" })
      .end(PAGE("You are signed in: you may close this window and go back to the terminal. / Vous êtes connecté : vous pouvez fermer cette fenêtre."));
    settle({ code });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `${client.baseUrl}/auth/cli?${new URLSearchParams({ port: String(port), challenge, state, name: options.name })}`;
  options.say(`Open this address in your browser to sign in (waiting up to ${options.timeoutSeconds} s):`);
  options.say(`  ${url}`);
  options.say(`The page shows the code ${loginCheckCode(challenge)}: allow only if it does.`);
  if (options.openBrowser) open(url);
  const timer = setTimeout(
    () => settle({ error: new ApiError(0, "unavailable", `no sign-in within ${options.timeoutSeconds} s; run plateau login again`) }),
    options.timeoutSeconds * 1000,
  );
  try {
    const result = await answered;
    if ("error" in result) throw result.error;
    return await client.exchangeLoginCode(result.code, verifier);
  } finally {
    clearTimeout(timer);
    server.closeAllConnections();
    server.close();
  }
}
