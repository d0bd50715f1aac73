/**
 * A TCP proxy a test can cut and restore, to take a server away from one
 * client without touching the shared server (NATS outages, Postgres
 * connection loss). `stop()` closes the listener and destroys every proxied
 * connection, so clients see the server vanish; `start()` listens again on
 * the same port, so reconnecting clients find it back.
 */
import net from "node:net";

export interface TcpProxy {
  /** The port clients connect to (fixed after the first start). */
  readonly port: number;
  start(): Promise<void>;
  /** Refuses new connections and cuts the open ones. */
  stop(): Promise<void>;
  /** Connections accepted so far. */
  readonly accepted: number;
}

export async function createTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  let server: net.Server | undefined;
  let port = 0;
  let accepted = 0;
  const sockets = new Set<net.Socket>();

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = net.createServer((client) => {
        accepted += 1;
        const upstream = net.connect(targetPort, targetHost);
        sockets.add(client);
        sockets.add(upstream);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on("error", drop).on("close", drop);
        upstream.on("error", drop).on("close", drop);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => {
        port = (s.address() as net.AddressInfo).port;
        server = s;
        resolve();
      });
    });

  await listen();
  return {
    get port() {
      return port;
    },
    get accepted() {
      return accepted;
    },
    async start() {
      if (!server) await listen();
    },
    async stop() {
      const s = server;
      server = undefined;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}
