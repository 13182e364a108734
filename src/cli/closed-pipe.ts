// `plateau ls | head -1`: the reader closes the pipe after its line, and the next write fails
// with EPIPE. Node ignores SIGPIPE, so without this the failed write is an unhandled 'error'
// event: a stack trace on stderr and exit 1, for what every shell user does on purpose.
// git and coreutils are killed by SIGPIPE there, silently; the shell reports that as 141
// (128 + SIGPIPE's 13), which `set -o pipefail` scripts already expect of `git log | head`.
// Node cannot die by SIGPIPE itself (it ignores it), so it exits 141 quietly: the same status.
import { EXIT } from "./exit-codes.js";

interface ErrorEmitter {
  on(event: "error", listener: (error: NodeJS.ErrnoException) => void): unknown;
}

/**
 * Ends the process quietly, with EXIT.closedPipe, once a write to one of `streams` finds its
 * reader gone (stdout and stderr: nothing can be reported on a closed stream). Any other
 * error of a stream is thrown again, as Node would have without a listener.
 */
export function endQuietlyOnClosedPipe(streams: readonly ErrorEmitter[], exit: (code: number) => void): void {
  for (const stream of streams) {
    stream.on("error", (error) => {
      if (error.code === "EPIPE") return exit(EXIT.closedPipe);
      throw error;
    });
  }
}
