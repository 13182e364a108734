// `plateau login`: what the terminal and the consent page both show, so that the person can
// tell the login they started from a link someone else made (RFC 8252's loopback redirect
// sends the code to whatever listens on the port the link names, and the link's maker holds
// the verifier of its challenge). This file imports nothing: the CLI and the server share it.

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** Eight digits read from a PKCE challenge (`1234-5678`): the same in the terminal and on the page. */
export function loginCheckCode(challenge: string): string {
  const digits = [...challenge.slice(0, 8)].map((character) => String(Math.max(0, BASE64URL.indexOf(character)) % 10)).join("");
  return `${digits.slice(0, 4)}-${digits.slice(4)}`;
}
