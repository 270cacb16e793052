import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";
import { Transform } from "node:stream";

/**
 * A TCP proxy a test can cut and restore, to play "PostgreSQL (or NATS) went away and came back"
 * without touching the shared servers: cutting closes every connection and stops listening.
 */
export interface TcpProxy {
  /** host:port to give the service instead of the real server's. */
  readonly port: number;
  cut(): Promise<void>;
  /**
   * From now until `restore()`, requests still reach the server but its answers never come back:
   * the connection closes as the first byte of an answer arrives ("the server did it, the client
   * never heard").
   */
  dropReplies(): void;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  let dropping = false;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = tcpConnect(targetPort, targetHost);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on("close", () => sockets.delete(socket));
          socket.on("error", () => {
            client.destroy();
            upstream.destroy();
          });
        }
        const gate = new Transform({
          transform(chunk, _encoding, done) {
            if (!dropping) return done(null, chunk);
            client.destroy();
            upstream.destroy();
            done();
          },
        });
        client.pipe(upstream);
        upstream.pipe(gate).pipe(client);
      });
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        const address = server!.address();
        if (address && typeof address === "object") port = address.port;
        resolve();
      });
    });

  const cut = async () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  };

  await listen();
  return {
    get port() {
      return port;
    },
    cut,
    dropReplies: () => {
      dropping = true;
    },
    async restore() {
      dropping = false;
      if (!server) await listen();
    },
    close: cut,
  };
}
