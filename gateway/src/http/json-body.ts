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
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  return parseJson(await collectBody(req, maxBytes));
}

const tooLarge = (maxBytes: number) => transportError("PAYLOAD_TOO_LARGE", `the body exceeds ${maxBytes} bytes`);

/**
 * Collects the body with listeners rather than `for await`: leaving an async
 * iterator early destroys the request, and with it the socket, so the client
 * would see a reset instead of our 413. Over the limit it stops collecting and
 * leaves the rest for discardBody().
 */
function collectBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (outcome: () => void) => {
      req.off("data", onData).off("end", onEnd).off("error", onError);
      req.pause();
      outcome();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) settle(() => reject(tooLarge(maxBytes)));
      else chunks.push(chunk);
    };
    const onEnd = () => settle(() => resolve(Buffer.concat(chunks)));
    const onError = (err: Error) => settle(() => reject(err));
    req.on("data", onData).on("end", onEnd).on("error", onError);
  });
}

/**
 * Reads and drops what is left of a refused body, so the client — still
 * writing — reads our error instead of a connection reset (EPIPE). Gives up,
 * resolving false, past `maxBytes` or `timeoutMs`: the connection must then
 * close, as nobody should be able to make the gateway read forever.
 */
export function discardBody(req: IncomingMessage, maxBytes: number, timeoutMs: number): Promise<boolean> {
  if (req.complete) return Promise.resolve(true);
  return new Promise((resolve) => {
    let size = 0;
    const settle = (drained: boolean) => {
      clearTimeout(timer);
      req.off("data", onData).off("end", onEnd).off("error", onFail).off("close", onClose);
      if (!drained) req.pause();
      resolve(drained);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) settle(false);
    };
    const onEnd = () => settle(true);
    const onFail = () => settle(false);
    const onClose = () => settle(req.complete);
    const timer = setTimeout(onFail, timeoutMs);
    req.on("data", onData).on("end", onEnd).on("error", onFail).on("close", onClose);
    req.resume();
  });
}
