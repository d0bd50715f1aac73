/**
 * Every Connect service the control plane serves, on one router, plus gRPC
 * reflection over all of them.
 */
import type { ConnectRouter } from "@connectrpc/connect";
import { AdminService } from "../../../../proto/gen/jobplane/v1/admin_service_pb.js";
import { AgentService } from "../../../../proto/gen/jobplane/v1/agent_service_pb.js";
import { BillingService } from "../../../../proto/gen/jobplane/v1/billing_service_pb.js";
import { JobService } from "../../../../proto/gen/jobplane/v1/job_service_pb.js";
import { WebhookDeliveryService } from "../../../../proto/gen/jobplane/v1/webhook_delivery_service_pb.js";
import { WebhookService } from "../../../../proto/gen/jobplane/v1/webhook_service_pb.js";
import { createAdminService } from "./admin-service.js";
import { createAgentService } from "./agent-service.js";
import { createBillingService } from "./billing-service.js";
import { createJobService } from "./job-service.js";
import { registerReflection } from "./reflection-service.js";
import type { RpcDeps } from "./rpc-deps.js";
import { createWebhookDeliveryService } from "./webhook-delivery-service.js";
import { createWebhookService } from "./webhook-service.js";

export const SERVED_SERVICES = [JobService, BillingService, AdminService, AgentService, WebhookService, WebhookDeliveryService] as const;

export function registerRoutes(router: ConnectRouter, deps: RpcDeps): void {
  router.service(JobService, createJobService(deps));
  router.service(BillingService, createBillingService(deps));
  router.service(AdminService, createAdminService(deps));
  router.service(AgentService, createAgentService(deps));
  router.service(WebhookService, createWebhookService(deps));
  router.service(WebhookDeliveryService, createWebhookDeliveryService(deps));
  registerReflection(router, SERVED_SERVICES);
}
