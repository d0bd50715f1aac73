import { describe, expect, it } from "vitest";
import { operations } from "../openapi/operations.js";
import { createRouter } from "./router.js";

const route = createRouter(operations);

describe("router", () => {
  it("matches literal paths before parameters", () => {
    expect(route("GET", "/jobs/types")).toMatchObject({ kind: "match", id: "listJobTypes" });
    expect(route("GET", "/jobs/job_0123456789abcdef")).toMatchObject({ kind: "match", id: "getJob", params: { id: "job_0123456789abcdef" } });
    expect(route("GET", "/jobs/types/test.echo/schema")).toMatchObject({ kind: "match", id: "getJobTypeSchema", params: { type: "test.echo" } });
  });

  it("tells methods apart on one path", () => {
    expect(route("POST", "/jobs")).toMatchObject({ id: "submitJob" });
    expect(route("GET", "/jobs")).toMatchObject({ id: "listJobs" });
    expect(route("get", "/api-keys")).toMatchObject({ id: "listApiKeys" });
    expect(route("DELETE", "/api-keys/key_1")).toMatchObject({ id: "revokeApiKey", params: { id: "key_1" } });
  });

  it("answers wrong-method with the allowed methods of the most specific path", () => {
    expect(route("DELETE", "/jobs")).toEqual({ kind: "wrong-method", template: "/jobs", allowed: ["POST", "GET"] });
    expect(route("POST", "/jobs/types")).toEqual({ kind: "wrong-method", template: "/jobs/types", allowed: ["GET"] });
    expect(route("PUT", "/jobs/job_1/cancel")).toMatchObject({ kind: "wrong-method", allowed: ["POST"] });
  });

  it("finds no route for unknown paths, empty or malformed parameters", () => {
    expect(route("GET", "/nope")).toEqual({ kind: "no-route" });
    expect(route("GET", "/jobs/job_1/cancel/x")).toEqual({ kind: "no-route" });
    expect(route("GET", "/api-keys/%E0%A4%A")).toEqual({ kind: "no-route" });
    expect(route("GET", "/jobs//logs")).toEqual({ kind: "no-route" });
  });

  it("decodes parameters and ignores one trailing slash", () => {
    expect(route("GET", "/jobs/types/a%20b/schema")).toMatchObject({ params: { type: "a b" } });
    expect(route("GET", "/jobs/")).toMatchObject({ id: "listJobs" });
  });
});
