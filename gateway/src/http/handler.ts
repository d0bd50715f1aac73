/**
 * What a route handler gets and returns. A handler either returns a JSON
 * reply for the server to send (status, body, extra headers), or STREAMED
 * when it has taken over the response itself (SSE). Errors are thrown: the
 * server turns them into the error envelope (errors/rest-error.ts).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { Forwarded } from "../upstream/control-plane.js";

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly requestId: string;
  /** Path parameters by name, decoded. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** Authorization, request id and a signal that aborts when the client goes away. */
  readonly forwarded: Forwarded & { readonly signal: AbortSignal };
  readonly log: Logger;
  /** The request body, read and checked against the operation's request schema. */
  body<T>(): Promise<T>;
}

export const STREAMED = Symbol("streamed");

export interface JsonReply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export type Reply = JsonReply | typeof STREAMED;

export type Handler = (ctx: RequestContext) => Promise<Reply>;

export const ok = (body: unknown, status = 200): JsonReply => ({ status, body });
