// Whether something answers HTTP on an endpoint (`127.0.0.1:41234`): what a drill asks of each
// copy it starts (ADR 0034). Any HTTP answer below 500 counts (a login page answers too); no
// answer, or a server error, is tried again a few times, then it does not answer.
import { request } from "node:http";

export interface HttpProbeOptions {
  readonly attempts?: number;
  readonly delayMs?: number;
  readonly timeoutMs?: number;
}

function once(endpoint: string, timeoutMs: number, signal?: AbortSignal): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request(`http://${endpoint}/`, { method: "GET", timeout: timeoutMs, ...(signal ? { signal } : {}) }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(undefined));
    req.end();
  });
}

export function createHttpProbe(options: HttpProbeOptions = {}): (endpoint: string, signal?: AbortSignal) => Promise<boolean> {
  const attempts = options.attempts ?? 10;
  const delayMs = options.delayMs ?? 500;
  const timeoutMs = options.timeoutMs ?? 5000;
  return async (endpoint, signal) => {
    for (let attempt = 0; attempt < attempts && !signal?.aborted; attempt++) {
      const status = await once(endpoint, timeoutMs, signal);
      if (status !== undefined && status < 500) return true;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
    return false;
  };
}
