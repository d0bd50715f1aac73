/**
 * GET /healthz: 200 {"status":"ok"} while this gateway accepts work and the
 * control plane answers its own /healthz; 503 with the failing check's reason
 * otherwise, and "draining" from SIGTERM on so load balancers move away.
 */
export interface HealthBody {
  status: "ok" | "unhealthy" | "draining";
  checks: Record<string, string>;
}

export async function checkHealth(controlPlane: () => Promise<void>, draining: boolean): Promise<{ status: number; body: HealthBody }> {
  let cp = "ok";
  try {
    await controlPlane();
  } catch (err) {
    cp = err instanceof Error ? err.message : String(err);
  }
  const healthy = !draining && cp === "ok";
  return {
    status: healthy ? 200 : 503,
    body: { status: healthy ? "ok" : draining ? "draining" : "unhealthy", checks: { controlPlane: cp } },
  };
}
