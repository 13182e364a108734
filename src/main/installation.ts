// This installation's id: generated once, kept in `<dataDir>/installation-id`. It tells this
// Plateau's objects in a shared podman store from another's (docs/adr/0015): stable across
// restarts, different for every data directory (a copied data directory is the same installation).
import { randomInt } from "node:crypto";
import { link, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { INSTALLATION_ID } from "../adapters/podman/adapt.js";

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
const LENGTH = 10;

export const installationFile = (dataDir: string): string => join(dataDir, "installation-id");

export async function installationId(dataDir: string): Promise<string> {
  const file = installationFile(dataDir);
  const read = async () => {
    const id = (await readFile(file, "utf8")).trim();
    if (!INSTALLATION_ID.test(id)) throw new Error(`${file} holds "${id.slice(0, 40)}", not an installation id (${INSTALLATION_ID.source})`);
    return id;
  };
  try {
    return await read();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const id = Array.from({ length: LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");
  // Written aside, then linked: the file appears whole, and never replaces one made meanwhile
  // (then that one is the id).
  const aside = `${file}.${process.pid}.${id}`;
  await writeFile(aside, `${id}\n`, { mode: 0o644 });
  try {
    await link(aside, file);
    return id;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return read();
    throw error;
  } finally {
    await rm(aside, { force: true });
  }
}
