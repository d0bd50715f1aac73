/** JobService handlers. (Stub: methods answer Unimplemented until implemented.) */
import type { ServiceImpl } from "@connectrpc/connect";
import type { JobService } from "../../../../proto/gen/jobplane/v1/job_service_pb.js";
import type { RpcDeps } from "./rpc-deps.js";

export function createJobService(_deps: RpcDeps): Partial<ServiceImpl<typeof JobService>> {
  return {};
}
