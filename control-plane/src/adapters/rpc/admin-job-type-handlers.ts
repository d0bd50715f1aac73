/** AdminService.UpsertJobType. (Stub: answers Unimplemented until implemented.) */
import type { ServiceImpl } from "@connectrpc/connect";
import type { AdminService } from "../../../../proto/gen/jobplane/v1/admin_service_pb.js";
import type { RpcDeps } from "./rpc-deps.js";

export function createJobTypeAdminHandlers(_deps: RpcDeps): Partial<Pick<ServiceImpl<typeof AdminService>, "upsertJobType">> {
  return {};
}
