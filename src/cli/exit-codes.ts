// The one place where failures become exit codes of the `plateau` command.
export const EXIT = {
  ok: 0,
  failure: 1,
  input: 2,
  notFound: 3,
  conflict: 4,
  notAllowed: 5,
  quotaExceeded: 6,
  unavailable: 7,
  unauthenticated: 8,
  rateLimited: 9,
  /** The output was closed before it was all written (`plateau ls | head -1`): what the shell reports of git and coreutils, 128 + SIGPIPE. */
  closedPipe: 141,
} as const;

const BY_CODE: Record<string, number> = {
  input: EXIT.input,
  "not-found": EXIT.notFound,
  conflict: EXIT.conflict,
  "not-allowed": EXIT.notAllowed,
  "quota-exceeded": EXIT.quotaExceeded,
  unavailable: EXIT.unavailable,
  unauthenticated: EXIT.unauthenticated,
  "rate-limited": EXIT.rateLimited,
};

export const exitCodeOf = (code: string): number => BY_CODE[code] ?? EXIT.failure;

export const EXIT_CODES_HELP = `Exit codes: 0 ok, 1 failure, 2 invalid input, 3 not found, 4 conflict, 5 not allowed, 6 quota exceeded, 7 unavailable, 8 not signed in (run plateau login), 9 rate limited, 141 output closed early (as git and coreutils, killed by SIGPIPE).`;
