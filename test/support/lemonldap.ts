// LemonLDAP::NG 2.16 — the OpenID provider many French universities run — from Debian's
// packages, as a second provider built by other hands than oidc-provider. Its portal is a
// PSGI application: plackup serves it on a loopback port, with a configuration written for
// each test run (the Debian package's demo configuration, its Demo users dwho, rtyler and
// msmith, the OpenID Connect issuer turned on, and one relying party: Plateau).
//
// What it does as it does in production, and what Plateau must cope with: its issuer is its
// portal URL with a trailing slash; up to 2.16 it compares a client_secret_basic secret
// without URL-decoding it (a secret with `-` is refused: 401, `WWW-Authenticate: Basic`); it
// releases the groups claim only under the `groups` scope.
import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../src/adapters/process.js";
import { freeLoopbackPort } from "../../src/adapters/net.js";
import type { Browser, BrowserResponse } from "./browser.js";

const PORTAL = "/usr/share/lemonldap-ng/portal/htdocs/index.psgi";
const DEMO_CONFIGURATION = "/var/lib/lemonldap-ng/conf/lmConf-1.json";
/** Debian's packages that run the portal with plackup (the web server packages are not needed). */
export const LEMONLDAP_PACKAGES = [
  "liblemonldap-ng-portal-perl",
  "libplack-perl",
  "libgd-securityimage-perl",
  "libimage-magick-perl",
  "libstring-random-perl",
  "libio-string-perl",
  "libcrypt-openssl-rsa-perl",
  "libcrypt-openssl-x509-perl",
  "libcrypt-openssl-bignum-perl",
  "libjson-webtoken-perl",
  "libcrypt-urandom-perl",
  "libconvert-base32-perl",
  "libipc-run-perl",
  "libmime-tools-perl",
  "libio-socket-timeout-perl",
  "libunicode-string-perl",
  "libauthen-webauthn-perl",
];

/** The Demo backend's users: password = login. */
export const LEMONLDAP_USERS = {
  dwho: { name: "Doctor Who", email: "dwho@badwolf.org", groups: ["timelords", "users"] },
  rtyler: { name: "Rose Tyler", email: "rtyler@badwolf.org", groups: ["earthlings", "users"] },
} as const;

/** Why LemonLDAP::NG cannot run here, or undefined when it can. Fails when it must (PLATEAU_REQUIRE_LEMONLDAP=1). */
export async function lemonLdapUnavailable(): Promise<string | undefined> {
  let reason: string | undefined;
  if (!existsSync(PORTAL) || !existsSync(DEMO_CONFIGURATION)) reason = "LemonLDAP::NG's portal is not installed";
  else if (!existsSync("/usr/bin/plackup")) reason = "plackup is not installed";
  else {
    const modules = [
      "Lemonldap::NG::Portal::Main",
      "Lemonldap::NG::Portal::Issuer::OpenIDConnect",
      "GD::SecurityImage",
      "Image::Magick",
      "String::Random",
      "IO::String",
    ];
    const loaded = await run("perl", [...modules.map((module) => `-M${module}`), "-e", "1"]).catch(() => undefined);
    if (!loaded || loaded.code !== 0) reason = `a Perl module it needs is missing: ${loaded?.stderr.split("\n")[0] ?? "perl did not run"}`;
  }
  if (reason) reason += ` (apt-get install --no-install-recommends ${LEMONLDAP_PACKAGES.join(" ")})`;
  if (reason && process.env.PLATEAU_REQUIRE_LEMONLDAP === "1") throw new Error(`LemonLDAP::NG is required (PLATEAU_REQUIRE_LEMONLDAP=1) but ${reason}`);
  if (reason) console.warn(`\n[plateau tests] LemonLDAP::NG tests skipped: ${reason}\n`);
  return reason;
}

export interface LemonLdapClient {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUris: readonly string[];
}

export interface LemonLdap {
  /** `http://127.0.0.1:<port>/`, with its trailing slash, as LemonLDAP::NG publishes it. */
  readonly issuer: string;
  /** What the portal logged (its log level is notice): a refused client shows there. */
  log(): string;
  stop(): Promise<void>;
}

/** Starts a portal on a free loopback port with one relying party; resolves once its discovery document answers. */
export async function startLemonLdap(client: LemonLdapClient): Promise<LemonLdap> {
  const dir = await mkdtemp(join(tmpdir(), "plateau-lemonldap-"));
  for (const sub of ["conf", "sessions/lock", "psessions/lock", "cache"]) await mkdir(join(dir, sub), { recursive: true });
  const port = await freeLoopbackPort();
  const portal = `http://127.0.0.1:${port}/`;
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const demo = JSON.parse(await readFile(DEMO_CONFIGURATION, "utf8")) as Record<string, unknown>;
  // Registration and notifications need modules (e-mail) the portal's dependencies do not bring.
  for (const unused of ["registerDB", "notificationStorage", "notificationStorageOptions"]) delete demo[unused];
  const configuration = {
    ...demo,
    cfgNum: 1,
    portal,
    domain: "127.0.0.1",
    notification: 0,
    globalStorageOptions: {
      Directory: join(dir, "sessions"),
      LockDirectory: join(dir, "sessions/lock"),
      generateModule: "Lemonldap::NG::Common::Apache::Session::Generate::SHA256",
    },
    persistentStorageOptions: { Directory: join(dir, "psessions"), LockDirectory: join(dir, "psessions/lock") },
    localSessionStorageOptions: { cache_root: join(dir, "cache"), cache_depth: 3, default_expires_in: 600, directory_umask: "007", namespace: "llng-sessions" },
    issuerDBOpenIDConnectActivation: 1,
    // The demo configuration releases every claim whatever the scopes; production ones do not.
    oidcServiceIgnoreScopeForClaims: 0,
    oidcServicePrivateKeySig: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    oidcServicePublicKeySig: publicKey.export({ type: "spki", format: "pem" }).toString(),
    oidcServiceKeyIdSig: "plateau-tests",
    oidcRPMetaDataOptions: {
      plateau: {
        oidcRPMetaDataOptionsClientID: client.clientId,
        oidcRPMetaDataOptionsClientSecret: client.clientSecret,
        oidcRPMetaDataOptionsRedirectUris: client.redirectUris.join(" "),
        oidcRPMetaDataOptionsIDTokenSignAlg: "RS256",
        oidcRPMetaDataOptionsBypassConsent: 1,
        oidcRPMetaDataOptionsPublic: 0,
      },
    },
    oidcRPMetaDataExportedVars: { plateau: { email: "mail", name: "cn", preferred_username: "uid", groups: "groups;string;always" } },
    // The `groups` scope releases the groups claim (and nothing else does).
    oidcRPMetaDataOptionsExtraClaims: { plateau: { groups: "groups" } },
  };
  await writeFile(join(dir, "conf", "lmConf-1.json"), JSON.stringify(configuration, null, 1));
  await writeFile(
    join(dir, "lemonldap-ng.ini"),
    [
      "[all]",
      "logLevel = notice",
      "checkTime = 1",
      "[configuration]",
      "type = File",
      `dirName = ${join(dir, "conf")}`,
      "[portal]",
      "staticPrefix = /static",
      "templateDir = /usr/share/lemonldap-ng/portal/templates",
      "languages = en, fr",
      "",
    ].join("\n"),
  );
  let output = "";
  const child: ChildProcess = spawn("plackup", ["--host", "127.0.0.1", "--port", String(port), PORTAL], {
    cwd: dir,
    env: { ...process.env, LLNG_DEFAULTCONFFILE: join(dir, "lemonldap-ng.ini") },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) child.kill("SIGTERM");
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  // The portal loads its configuration at the first request: a discovery document that answers is a portal that works.
  for (let attempt = 0; ; attempt++) {
    const answer = await fetch(`${portal}.well-known/openid-configuration`).catch(() => undefined);
    if (answer?.ok && (answer.headers.get("content-type") ?? "").includes("json")) break;
    if (attempt >= 100 || child.exitCode !== null) {
      await stop();
      throw new Error(`LemonLDAP::NG did not start (${answer ? `HTTP ${answer.status}` : "no answer"}):\n${output.slice(-2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { issuer: portal, log: () => output, stop };
}

/** Fills and sends LemonLDAP::NG's login form (its hidden fields, the user's login and password) as a browser does. */
export async function submitLemonLdapLogin(browser: Browser, form: BrowserResponse, user: string, password = user): Promise<BrowserResponse> {
  const html = /<form[^>]*id="lform"[^>]*>([\s\S]*?)<\/form>/.exec(form.body)?.[1];
  if (html === undefined) throw new Error(`no LemonLDAP::NG login form at ${form.url} (${form.status}):\n${form.body.slice(0, 500)}`);
  const fields: Record<string, string> = {};
  for (const input of html.matchAll(/<input[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(input[0])?.[1];
    if (name && /type="hidden"/.test(input[0])) fields[name] = (/value="([^"]*)"/.exec(input[0])?.[1] ?? "").replace(/&amp;/g, "&");
  }
  // The form's action is "#": the page's own URL.
  return browser.post(form.url, { ...fields, user, password });
}
