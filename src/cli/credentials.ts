// Where `plateau login` keeps its API tokens: one per server, in a file only the user can
// read (~/.config/plateau/credentials.json, or $PLATEAU_CREDENTIALS).
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

export interface StoredCredential {
  readonly token: string;
  readonly tokenId: string | null;
  readonly login: string;
  readonly expiresAt: string;
}

export function credentialsFile(env: NodeJS.ProcessEnv): string {
  if (env.PLATEAU_CREDENTIALS) return env.PLATEAU_CREDENTIALS;
  const base = env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return join(base, "plateau", "credentials.json");
}

async function readAll(file: string): Promise<Record<string, StoredCredential>> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as Record<string, StoredCredential>;
  } catch {
    return {};
  }
}

export async function loadCredential(env: NodeJS.ProcessEnv, server: string): Promise<StoredCredential | undefined> {
  const credential = (await readAll(credentialsFile(env)))[server];
  return credential && credential.expiresAt > new Date().toISOString() ? credential : undefined;
}

export async function saveCredential(env: NodeJS.ProcessEnv, server: string, credential: StoredCredential | undefined): Promise<string> {
  const file = credentialsFile(env);
  const all = await readAll(file);
  if (credential) all[server] = credential;
  else delete all[server];
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return file;
}
