/**
 * AdminService.UpsertJobType: the operator adds or replaces a catalog entry.
 * Admin token only. The whole definition is checked first (name, schema,
 * times, prices, plans; see domain/job-type-rules.ts) and refused with every
 * problem as VALIDATION_ERROR; once stored, its new updated_at makes every
 * instance's validator cache recompile, so the next submit anywhere is
 * checked against the new schema.
 */
import type { ServiceImpl } from "@connectrpc/connect";
import type { AdminService } from "../../../../proto/gen/jobplane/v1/admin_service_pb.js";
import { upsertJobType } from "../../app/job-catalog.js";
import { validationError } from "../../domain/domain-error.js";
import { createPgJobCatalog } from "../postgres/pg-job-catalog.js";
import { jobTypeFromProto, jobTypeToProto } from "./job-type-proto.js";
import type { RpcDeps } from "./rpc-deps.js";

export function createJobTypeAdminHandlers(deps: RpcDeps): Partial<Pick<ServiceImpl<typeof AdminService>, "upsertJobType">> {
  const catalog = createPgJobCatalog(deps.orm);
  return {
    async upsertJobType(req, ctx) {
      await deps.auth.authenticateAdmin(ctx.requestHeader.get("authorization"));
      if (req.jobType === undefined) throw validationError([{ path: "/jobType", description: "is required" }]);
      const stored = await upsertJobType(catalog, jobTypeFromProto(req.jobType), "/jobType");
      // Agents of a new type bind to its dispatch consumer; make it exist now.
      await deps.dispatch.ensureJobTypeConsumer(stored.name);
      return { jobType: jobTypeToProto(stored) };
    },
  };
}
