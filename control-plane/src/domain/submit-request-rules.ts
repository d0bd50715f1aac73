/**
 * The shape rules of a SubmitJob request, apart from its params (those are
 * the job type's JSON Schema's business, params-schema.ts). Pure, so every
 * rule has a unit test; the app layer reports what these return together
 * with the schema's violations in one VALIDATION_ERROR, so a client fixes
 * everything in one round trip.
 *
 * Paths are JSON pointers over the request's JSON form (proto3 JSON names:
 * `/idempotencyKey`, `/inputs/0/url`), which is what Connect-JSON and REST
 * clients send.
 */
import type { Violation } from "./domain-error.js";

/** Priority bounds: wide enough to order work, narrow enough that nobody games it with 2^31. */
export const MIN_PRIORITY = -100;
export const MAX_PRIORITY = 100;
/** Long enough for a UUID or a content hash with a prefix; bounded because it is indexed. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** One input file as the request declares it. */
export interface RequestedInput {
  readonly name: string;
  readonly url: string;
  readonly sizeBytes: number;
  readonly contentType: string;
}

/** The fields of a submit request these rules look at. */
export interface SubmitRequestFields {
  readonly type: string;
  readonly priority: number;
  readonly idempotencyKey: string;
  readonly inputs: readonly RequestedInput[];
}

function isHttpUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const { protocol, hostname } = new URL(text);
  return (protocol === "http:" || protocol === "https:") && hostname !== "";
}

function inputViolations(inputs: readonly RequestedInput[]): Violation[] {
  const violations: Violation[] = [];
  const firstIndexByName = new Map<string, number>();
  inputs.forEach((input, i) => {
    const at = `/inputs/${i}`;
    if (input.name.trim() === "") {
      violations.push({ path: `${at}/name`, description: "is required" });
    } else {
      const first = firstIndexByName.get(input.name);
      if (first === undefined) firstIndexByName.set(input.name, i);
      else violations.push({ path: `${at}/name`, description: `duplicates /inputs/${first}/name "${input.name}"` });
    }
    if (input.url === "") violations.push({ path: `${at}/url`, description: "is required" });
    else if (!isHttpUrl(input.url)) violations.push({ path: `${at}/url`, description: "must be an http or https URL" });
    if (!Number.isSafeInteger(input.sizeBytes) || input.sizeBytes < 0) {
      violations.push({ path: `${at}/sizeBytes`, description: "must be a non-negative whole number of bytes" });
    }
  });
  return violations;
}

/** Every rule the request breaks, in field order; empty when it is well formed. */
export function checkSubmitRequest(request: SubmitRequestFields): Violation[] {
  const violations: Violation[] = [];
  if (request.type === "") violations.push({ path: "/type", description: "is required" });
  if (!Number.isInteger(request.priority) || request.priority < MIN_PRIORITY || request.priority > MAX_PRIORITY) {
    violations.push({ path: "/priority", description: `must be a whole number from ${MIN_PRIORITY} to ${MAX_PRIORITY}` });
  }
  // Counted in code points, as a user would count characters.
  if ([...request.idempotencyKey].length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    violations.push({ path: "/idempotencyKey", description: `must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters` });
  }
  violations.push(...inputViolations(request.inputs));
  return violations;
}
