// A load balancer in front of replicas, as a Kubernetes Service and OpenShift's router are:
// requests go round-robin to the backends whose /readyz answered 200 at the last check
// (every `checkMs`, as a readiness probe; one failure takes a backend out), and a connection
// refused is sent to the next backend (HAProxy's `redispatch`). It never retries a request a
// backend received: a reset or a 5xx reaches the client, which is what a test counts.
import { Agent, createServer, request, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Balancer {
  readonly url: string;
  /** The backends' base URLs (`http://127.0.0.1:<port>`), replaced as replicas restart on new ports. */
  setBackends(urls: readonly string[]): void;
  /** Backends in rotation now. */
  ready(): readonly string[];
  close(): Promise<void>;
}

export async function startBalancer(options: { readonly checkMs?: number; readonly keepAlive?: boolean } = {}): Promise<Balancer> {
  // Tests open a connection per request (a reset reaches the client at once); a benchmark (B14) keeps them, as HAProxy does.
  const agent = options.keepAlive ? new Agent({ keepAlive: true, maxSockets: 256 }) : undefined;
  let backends: readonly string[] = [];
  let ready: readonly string[] = [];
  let turn = 0;
  let closed = false;

  async function check(): Promise<void> {
    const results = await Promise.all(
      backends.map((url) =>
        fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) }).then(
          (response) => (void response.body?.cancel(), response.status === 200),
          () => false,
        ),
      ),
    );
    ready = backends.filter((_, i) => results[i]);
  }
  const checking = (async () => {
    while (!closed) {
      await check();
      await new Promise((resolve) => setTimeout(resolve, options.checkMs ?? 200));
    }
  })();

  function forward(
    incoming: IncomingMessage,
    body: Buffer,
    tried: number,
  ): Promise<{ status: number; headers: IncomingMessage["headers"]; stream: IncomingMessage }> {
    const rotation = ready.length > 0 ? ready : backends;
    if (tried >= Math.max(rotation.length, 1) * 2) return Promise.reject(new Error("no backend accepted the connection"));
    const target = new URL(rotation[turn++ % rotation.length] as string);
    return new Promise((resolve, reject) => {
      const outgoing = request(
        {
          host: target.hostname,
          port: target.port,
          method: incoming.method,
          path: incoming.url,
          headers: agent ? incoming.headers : { ...incoming.headers, connection: "close" },
          agent: agent ?? false,
        },
        (response) => resolve({ status: response.statusCode ?? 502, headers: response.headers, stream: response }),
      );
      outgoing.on("error", (error: NodeJS.ErrnoException) => {
        // Refused: the backend never saw the request, another one may take it.
        if (error.code === "ECONNREFUSED") forward(incoming, body, tried + 1).then(resolve, reject);
        else reject(error);
      });
      outgoing.end(body);
    });
  }

  const server: Server = createServer((incoming, reply) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      forward(incoming, Buffer.concat(chunks), 0).then(
        ({ status, headers, stream }) => {
          const { connection: _connection, "keep-alive": _keepAlive, ...rest } = headers;
          reply.writeHead(status, rest);
          stream.pipe(reply);
          stream.on("error", () => reply.destroy());
        },
        () => {
          reply.writeHead(502, { "content-type": "text/plain" });
          reply.end("bad gateway\n");
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    setBackends(urls) {
      backends = [...urls];
      ready = ready.filter((url) => backends.includes(url));
    },
    ready: () => ready,
    async close() {
      closed = true;
      await checking;
      server.closeAllConnections();
      agent?.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
