import { createServer } from "node:net";

/** A TCP port free on 127.0.0.1 right now (the OS picks it; a test then gives it to a process). */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}
