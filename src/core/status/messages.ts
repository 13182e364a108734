// How a platform's messages are worded for people. Some carry details of the network that
// only operators need (why an image could not be pulled: "connection refused", "EOF", an
// address): members are told what failed, and operators the detail. Pure.
import type { CodeParams } from "../../contracts/codes.js";

/** The message of a failed pull: the image, then the engine's detail (for operators). */
export const imagePullFailure = (image: string, detail: string): string => `the image ${image} could not be pulled: ${detail}`;

// The detail runs to the end of the message, or to the reconciler's "(next attempt in …)".
const PULL_FAILURE = /(the image \S+ could not be pulled)(?::.*?)?( \(next attempt in \d+s\))?$/s;

/** A status or event message as members (not operators) see it: a failed pull without its detail. */
export function forMembers(message: string): string {
  return message.replace(PULL_FAILURE, (_whole, failure: string, retry: string | undefined) => `${failure}${retry ?? ""}`);
}

/** An event's values as members see them: its reason (a failed pull…) no more detailed than its message. */
export const paramsForMembers = (params: CodeParams): CodeParams =>
  Object.fromEntries(Object.entries(params).map(([name, value]) => [name, typeof value === "string" ? forMembers(value) : value]));
