/**
 * Drives one AgentService.Session from a test like an agent would: send
 * messages, await the reply to a request, await pushed CancelAttempts — each
 * wait with a deadline, never a sleep. as() narrows a reply to the kind the
 * test expects (and fails the test when it is another).
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { expect } from "vitest";
import type {
  AgentService,
  CancelAttempt,
  SessionRequestSchema,
  SessionResponse,
} from "../../proto/gen/jobplane/v1/agent_service_pb.js";
import { SessionOutbox } from "../../control-plane/src/adapters/rpc/session-outbox.js";

type RequestMessage = MessageInitShape<typeof SessionRequestSchema>["message"];

export const DEFAULT_WAIT_MS = 10_000;

type Reply = Exclude<SessionResponse["message"], { case: undefined }>;
type ReplyValue = { [R in Reply as R["case"]]: R["value"] };

/** The reply's oneof value when it is of `kind`, else a failed expectation. */
export function as<K extends keyof ReplyValue>(res: SessionResponse, kind: K): ReplyValue[K] {
  expect(res.message.case).toBe(kind);
  return res.message.value as ReplyValue[K];
}

/** Resolves like `promise`, or rejects naming `what` after `ms`. */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export class AgentSessionDriver {
  readonly #requests = new SessionOutbox<MessageInitShape<typeof SessionRequestSchema>>();
  readonly #replies = new Map<bigint, (res: SessionResponse) => void>();
  readonly #cancels: CancelAttempt[] = [];
  #cancelWaiters: (() => void)[] = [];
  #nextId = 1n;
  /** Settles when the server ends the stream: resolves on a clean end, rejects with its error. */
  readonly ended: Promise<void>;

  constructor(client: Client<typeof AgentService>) {
    const responses = client.session(this.#requests);
    this.ended = (async () => {
      for await (const res of responses) {
        if (res.message.case === "cancel") {
          this.#cancels.push(res.message.value);
          const waiters = this.#cancelWaiters;
          this.#cancelWaiters = [];
          for (const w of waiters) w();
        } else {
          this.#replies.get(res.requestId)?.(res);
          this.#replies.delete(res.requestId);
        }
      }
    })();
    this.ended.catch(() => {});
  }

  /** Sends a message without a request_id (no reply expected). */
  send(message: RequestMessage): void {
    this.#requests.push({ requestId: 0n, message });
  }

  /** Sends a message with a fresh request_id; resolves with its reply. */
  request(message: RequestMessage, ms = DEFAULT_WAIT_MS): Promise<SessionResponse> {
    const requestId = this.#nextId++;
    const reply = new Promise<SessionResponse>((resolve) => this.#replies.set(requestId, resolve));
    this.#requests.push({ requestId, message });
    return withDeadline(Promise.race([reply, this.ended.then(() => Promise.reject(new Error("session ended")))]), ms, `reply ${requestId}`);
  }

  /** Every CancelAttempt received so far. */
  get cancels(): readonly CancelAttempt[] {
    return this.#cancels;
  }

  /** Resolves with the first received CancelAttempt matching `match`. */
  async cancelFor(jobId: string, attempt: number, ms = DEFAULT_WAIT_MS): Promise<CancelAttempt> {
    const find = () => this.#cancels.find((c) => c.ref?.jobId === jobId && c.ref.attempt === attempt);
    const wait = (async () => {
      for (;;) {
        const found = find();
        if (found) return found;
        await new Promise<void>((resolve) => this.#cancelWaiters.push(resolve));
      }
    })();
    return withDeadline(wait, ms, `CancelAttempt for ${jobId}/${attempt}`);
  }

  /** Ends the agent's side and waits for the server to end its side. */
  async close(ms = DEFAULT_WAIT_MS): Promise<void> {
    this.#requests.close();
    await withDeadline(this.ended.catch(() => {}), ms, "the session to end");
  }
}
