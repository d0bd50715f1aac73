/**
 * Reading a JSON request body with the checks that keep malformed input a
 * 4xx: a body must be declared application/json (or +json) in UTF-8 (else
 * 415), may not exceed the limit (413, judged from Content-Length before
 * reading and from the bytes as they arrive), and must parse (400
 * VALIDATION_ERROR). A missing body is a 400 naming "/".
 */
import type { IncomingMessage } from "node:http";
import { transportError, validationError } from "../errors/rest-error.js";

/** Whether a Content-Type header names JSON in UTF-8 (the only charset JSON may use). */
export function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  const [type, ...params] = header.split(";").map((s) => s.trim().toLowerCase());
  const json = type === "application/json" || (type !== undefined && /^application\/[a-z0-9.+-]+\+json$/.test(type));
  if (!json) return false;
  const charset = params.find((p) => p.startsWith("charset="))?.slice("charset=".length).replaceAll('"', "");
  return charset === undefined || charset === "utf-8" || charset === "utf8";
}

/** Whether the request declares a body at all. */
export function hasBody(req: Pick<IncomingMessage, "headers">): boolean {
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

/** Parses UTF-8 JSON text; malformed text is a VALIDATION_ERROR. */
export function parseJson(bytes: Buffer): unknown {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw validationError([{ path: "/", description: "is not valid UTF-8" }], "the body is not valid UTF-8");
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    const reason = err instanceof SyntaxError ? err.message : "unparseable";
    throw validationError([{ path: "/", description: `malformed JSON: ${reason}` }], "the body is not valid JSON");
  }
}

export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  if (!hasBody(req)) throw validationError([{ path: "/", description: "a JSON body is required" }], "the request has no body");
  if (!isJsonContentType(req.headers["content-type"])) {
    throw transportError("UNSUPPORTED_MEDIA_TYPE", "send the body as Content-Type: application/json");
  }
  const declared = Number(req.headers["content-length"]);
  const tooLarge = () => transportError("PAYLOAD_TOO_LARGE", `the body exceeds ${maxBytes} bytes`);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return parseJson(Buffer.concat(chunks));
}
