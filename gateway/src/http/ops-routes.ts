/**
 * /healthz, /metrics, /openapi.json and the plain-GET answer of
 * /v1/realtime: the handlers that do not call the control plane's APIs.
 */
import { transportError } from "../errors/rest-error.js";
import type { GatewayMetrics } from "../ops/metrics.js";
import { checkHealth } from "../ops/health.js";
import { ok, STREAMED, type Handler } from "./handler.js";

export function createOpsRoutes(deps: {
  readonly metrics: GatewayMetrics;
  readonly document: unknown;
  readonly controlPlaneHealth: () => Promise<void>;
  readonly isDraining: () => boolean;
}) {
  return {
    health: (async () => {
      const { status, body } = await checkHealth(deps.controlPlaneHealth, deps.isDraining());
      return ok(body, status);
    }) satisfies Handler,

    metrics: (async (ctx) => {
      const text = await deps.metrics.registry.metrics();
      ctx.res.statusCode = 200;
      ctx.res.setHeader("content-type", deps.metrics.registry.contentType);
      ctx.res.end(text);
      return STREAMED;
    }) satisfies Handler,

    openapi: (async () => ok(deps.document)) satisfies Handler,

    realtime: (async (ctx) => {
      ctx.res.setHeader("upgrade", "websocket");
      throw transportError("UPGRADE_REQUIRED", "GET /v1/realtime is a WebSocket endpoint: connect with a WebSocket client");
    }) satisfies Handler,
  };
}
