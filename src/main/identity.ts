// Which identity providers this Plateau trusts: those of the configuration, or — when there
// are none — the embedded provider with its demo community. The embedded provider's keys,
// client secret and generated passwords are kept in <dataDir>/embedded-identity.json (0600),
// so restarts keep the same accounts.
import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  createEmbeddedProvider,
  defaultEmbeddedAccounts,
  generateEmbeddedKeys,
  type EmbeddedAccount,
  type EmbeddedKeys,
} from "../adapters/oidc/embedded-provider.js";
import { createOidcRelyingParty } from "../adapters/oidc/relying-party.js";
import { cryptoRandom } from "../adapters/system/system.js";
import type { Logger } from "../core/ports/logger.js";
import type { Config } from "./config.js";

export const EMBEDDED_PROVIDER_ID = "embedded";
export const EMBEDDED_MOUNT = "/oidc";

interface EmbeddedState {
  readonly keys: EmbeddedKeys;
  readonly clientSecret: string;
  readonly accounts: EmbeddedAccount[];
}

/** Who is who in the demo community: printed by `plateau up`. */
export const DEMO_ROLES: Record<string, string> = {
  alice: "member of lab IMB",
  ines: "admin of lab IMB",
  bob: "member of lab LMBP",
  lea: "admin of lab LMBP",
  oscar: "platform operator",
};

async function embeddedState(dataDir: string, configured: EmbeddedAccount[] | undefined): Promise<EmbeddedState> {
  const file = join(dataDir, "embedded-identity.json");
  const saved = await readFile(file, "utf8").then(
    (text) => JSON.parse(text) as EmbeddedState,
    () => undefined,
  );
  const state: EmbeddedState = saved ?? {
    keys: await generateEmbeddedKeys(),
    clientSecret: cryptoRandom.secret(43),
    accounts: defaultEmbeddedAccounts(() => cryptoRandom.secret(16)),
  };
  if (!saved) {
    await writeFile(file, JSON.stringify(state, null, 2), { mode: 0o600 });
    await chmod(file, 0o600);
  }
  return configured ? { ...state, accounts: configured } : state;
}

export async function setUpIdentity(config: Config, publicOrigin: string, logger: Logger) {
  if (config.identity.providers.length > 0) {
    return {
      providers: config.identity.providers.map((provider) =>
        createOidcRelyingParty({
          id: provider.id,
          title: provider.title,
          issuer: provider.issuer,
          clientId: provider.clientId,
          clientSecret: provider.clientSecret,
          scopes: provider.scopes,
          allowInsecureHttp: provider.issuer.startsWith("http://"),
        }),
      ),
      mount: undefined,
      accounts: [] as EmbeddedAccount[],
      generatedPasswords: false,
    };
  }
  const state = await embeddedState(config.dataDir, config.identity.embedded.accounts);
  const issuer = `${publicOrigin}${EMBEDDED_MOUNT}`;
  const mount = await createEmbeddedProvider({
    issuer,
    accounts: state.accounts,
    clients: [
      {
        clientId: "plateau",
        clientSecret: state.clientSecret,
        redirectUris: [`${publicOrigin}/auth/callback/${EMBEDDED_PROVIDER_ID}`],
        postLogoutRedirectUris: [`${publicOrigin}/`],
      },
    ],
    keys: state.keys,
    showDemoHint: config.identity.embedded.accounts === undefined,
    onError: (error) => logger.error({ error: (error as Error).message }, "embedded identity provider failed"),
  });
  const provider = createOidcRelyingParty({
    id: EMBEDDED_PROVIDER_ID,
    title: "Plateau (demo accounts / comptes de démonstration)",
    issuer,
    clientId: "plateau",
    clientSecret: state.clientSecret,
    scopes: ["openid", "profile", "email", "groups"],
    allowInsecureHttp: issuer.startsWith("http://"),
  });
  return { providers: [provider], mount, accounts: state.accounts, generatedPasswords: config.identity.embedded.accounts === undefined };
}
