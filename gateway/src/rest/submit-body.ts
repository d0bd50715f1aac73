/**
 * The POST /jobs body (already checked against the OpenAPI request schema)
 * → SubmitJobRequest fields. Input field names are the proto JSON names
 * (name, url, sizeBytes, contentType), so the control plane's violation paths
 * ("/inputs/0/url") point into the very body the client sent.
 */
import type { JsonObject } from "@bufbuild/protobuf";

export interface SubmitJobBody {
  type: string;
  params?: JsonObject;
  inputs?: { name: string; url: string; sizeBytes?: number; contentType?: string }[];
  idempotencyKey?: string;
  priority?: number;
}

export function submitJobRequest(body: SubmitJobBody) {
  return {
    type: body.type,
    params: body.params ?? {},
    inputs: (body.inputs ?? []).map((i) => ({
      name: i.name,
      url: i.url,
      sizeBytes: BigInt(i.sizeBytes ?? 0),
      contentType: i.contentType ?? "",
    })),
    idempotencyKey: body.idempotencyKey ?? "",
    priority: body.priority ?? 0,
  };
}
