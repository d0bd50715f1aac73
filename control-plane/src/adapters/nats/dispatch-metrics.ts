/**
 * Prometheus metrics of the JetStream side, fed by the loops' onPass /
 * onAdvisory hooks so the loops themselves stay free of prom-client.
 */
import { Counter, Histogram, type Registry } from "prom-client";
import type { DispatchPassResult } from "../../app/dispatch-pass.js";
import type { AdvisoryOutcome } from "./dead-letter.js";
import type { RelayPassResult } from "./outbox-relay.js";

export interface DispatchMetrics {
  dispatchPass(result: DispatchPassResult, durationMs: number): void;
  relayPass(result: RelayPassResult, durationMs: number): void;
  advisory(outcome: AdvisoryOutcome): void;
}

export function createDispatchMetrics(registry: Registry): DispatchMetrics {
  const buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
  const dispatched = new Counter({
    name: "jobplane_dispatch_jobs_total",
    help: "Jobs handled by dispatch passes, by result (dispatched, publish_failed).",
    labelNames: ["result"],
    registers: [registry],
  });
  const dispatchSeconds = new Histogram({
    name: "jobplane_dispatch_pass_seconds",
    help: "Duration of dispatch passes that picked at least one job.",
    buckets,
    registers: [registry],
  });
  const relayed = new Counter({
    name: "jobplane_relay_events_total",
    help: "Outbox events handled by the relay, by result (published, failed).",
    labelNames: ["result"],
    registers: [registry],
  });
  const relaySeconds = new Histogram({
    name: "jobplane_relay_pass_seconds",
    help: "Duration of relay passes that read at least one event.",
    buckets,
    registers: [registry],
  });
  const advisories = new Counter({
    name: "jobplane_dispatch_max_deliveries_total",
    help: "Max-deliveries advisories handled, by outcome (dead-lettered, settled-elsewhere, gone, ignored).",
    labelNames: ["outcome"],
    registers: [registry],
  });
  return {
    dispatchPass(r, ms) {
      if (r.picked === 0) return;
      dispatched.inc({ result: "dispatched" }, r.dispatched);
      if (r.failed > 0) dispatched.inc({ result: "publish_failed" }, r.failed);
      dispatchSeconds.observe(ms / 1000);
    },
    relayPass(r, ms) {
      if (r.read === 0) return;
      relayed.inc({ result: "published" }, r.published);
      if (r.failed > 0) relayed.inc({ result: "failed" }, r.failed);
      relaySeconds.observe(ms / 1000);
    },
    advisory(outcome) {
      advisories.inc({ outcome });
    },
  };
}
