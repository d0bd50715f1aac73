/**
 * Are PostgreSQL and NATS listening? A plain TCP connect each, and a failure
 * message that says how to start whatever is missing.
 */
import { connect } from "node:net";

export function tcpReachable(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

function hostPort(url: string, defaultPort: number): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname || "127.0.0.1", port: Number(parsed.port || defaultPort) };
}

const HOW_TO_START_POSTGRES = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start";
const HOW_TO_START_NATS =
  "start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- " +
  "-a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log";

/** Throws one error naming every missing service and the command that starts it. */
export async function requireServices(postgresUrl: string, natsUrl: string): Promise<void> {
  const pg = hostPort(postgresUrl, 5432);
  const nats = hostPort(natsUrl, 4222);
  const [pgUp, natsUp] = await Promise.all([tcpReachable(pg.host, pg.port), tcpReachable(nats.host, nats.port)]);
  const missing: string[] = [];
  if (!pgUp) {
    missing.push(
      `PostgreSQL is not listening on ${pg.host}:${pg.port} (set TEST_DATABASE_URL to use another server). Start it with:\n` +
        `    ${HOW_TO_START_POSTGRES}`,
    );
  }
  if (!natsUp) {
    missing.push(
      `NATS is not listening on ${nats.host}:${nats.port} (set NATS_URL to use another server). Start it with:\n` +
        `    ${HOW_TO_START_NATS}`,
    );
  }
  if (missing.length > 0) {
    throw new Error(
      `integration tests need real services:\n  ${missing.join("\n  ")}\n` +
        "  or start (and install, if missing) both with: bash scripts/ensure-services.sh — or run all of CI: bash .ci/run",
    );
  }
}
