/**
 * `jobplane gateway`: the composition root. The only place that reads the
 * environment and handles signals; gateway.ts builds everything else.
 */
import { readGatewayConfig } from "./config.js";
import { startGateway } from "./gateway.js";
import { createLogger } from "./logger.js";

export async function runGateway(_argv: string[]): Promise<void> {
  const config = readGatewayConfig(process.env);
  const log = createLogger(config.logLevel);
  const gateway = await startGateway(config, log);
  log.info({ url: gateway.url, port: gateway.port, controlPlaneUrl: config.controlPlaneUrl }, "gateway listening");

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping: finishing in-flight requests");
    await gateway.stop();
    log.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}
