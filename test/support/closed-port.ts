/**
 * A TCP port on 127.0.0.1 that nothing listens on (bound, then released), for
 * tests of what a process does when its dependency refuses connections.
 */
import net from "node:net";
import type { AddressInfo } from "node:net";

export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
