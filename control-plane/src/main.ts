/**
 * `jobplane control-plane`: the composition root. The only place that reads
 * the environment, builds adapters and handles signals.
 */
import { createOrm } from "./adapters/postgres/orm.js";
import { readControlPlaneConfig } from "./config.js";
import { startControlPlaneServer } from "./control-plane-server.js";
import { createLogger } from "./logger.js";

export async function runControlPlane(_argv: string[]): Promise<void> {
  const config = readControlPlaneConfig(process.env);
  const logger = createLogger("control-plane", config.logLevel);
  const orm = await createOrm(config.databaseUrl, { poolSize: 20 });
  const pending = await orm.migrator.getPending();
  if (pending.length > 0) {
    await orm.close();
    throw new Error(
      `the database has ${pending.length} pending migration(s) (${pending.map((m) => m.name).join(", ")}): run "npx jobplane migrate" first`,
    );
  }
  const server = await startControlPlaneServer({ config, orm, logger });
  logger.info({ port: server.port, url: server.url }, "control plane listening");

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping: finishing in-flight calls");
    await server.close();
    await orm.close();
    logger.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}
