/**
 * AdminService.RedriveDeadLetters: moves dead-lettered dispatches back to work
 * (each job retried as its next attempt, with a new hold). Admin token only.
 */
import type { ServiceImpl } from "@connectrpc/connect";
import type { AdminService } from "../../../../proto/gen/jobplane/v1/admin_service_pb.js";
import type { RpcDeps } from "./rpc-deps.js";

export function createRedriveHandlers(deps: RpcDeps): Pick<ServiceImpl<typeof AdminService>, "redriveDeadLetters"> {
  return {
    async redriveDeadLetters(req, ctx) {
      await deps.auth.authenticateAdmin(ctx.requestHeader.get("authorization"));
      const result = await deps.dispatch.redriveDeadLetters({
        ...(req.type ? { type: req.type } : {}),
        ...(req.jobIds.length > 0 ? { jobIds: req.jobIds } : {}),
        ...(req.limit > 0 ? { limit: req.limit } : {}),
      });
      return {
        redriven: result.redriven.map((r) => ({ jobId: r.jobId, attempt: r.attempt })),
        staleJobIds: result.stale.map((s) => s.jobId),
        failed: result.failed.map((f) => ({ jobId: f.jobId, message: f.message })),
      };
    },
  };
}
