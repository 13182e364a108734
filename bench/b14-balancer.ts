// B14's balancer (test/support/balancer.ts, keeping its connections to the replicas) in its own
// process, as a real one is: it shares no event loop with the bench's forge or its bookkeeping.
// Prints its URL; then reads one JSON line at a time on stdin: an array sets the backends, and
// any line is answered with the backends in rotation (a JSON array line on stdout).
import { createInterface } from "node:readline";
import { startBalancer } from "../test/support/balancer.js";

const balancer = await startBalancer({ keepAlive: true });
process.stdout.write(`${balancer.url}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  const message = JSON.parse(line) as unknown;
  if (Array.isArray(message)) balancer.setBackends(message as string[]);
  process.stdout.write(`${JSON.stringify(balancer.ready())}\n`);
}
await balancer.close();
