/** BillingService handlers. (Stub: methods answer Unimplemented until implemented.) */
import type { ServiceImpl } from "@connectrpc/connect";
import type { BillingService } from "../../../../proto/gen/jobplane/v1/billing_service_pb.js";
import type { RpcDeps } from "./rpc-deps.js";

export function createBillingService(_deps: RpcDeps): Partial<ServiceImpl<typeof BillingService>> {
  return {};
}
