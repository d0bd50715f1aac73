import { describe, expect, it } from "vitest";
import {
  newBuildDatabaseName,
  newTestDatabaseName,
  temporaryDatabaseCreatedAt,
  templateDatabaseName,
} from "./test-database-names.js";

describe("test database names", () => {
  const at = new Date("2026-06-01T12:00:00.000Z");

  it("carry their creation time", () => {
    expect(temporaryDatabaseCreatedAt(newTestDatabaseName(at))).toEqual(at);
    expect(temporaryDatabaseCreatedAt(newBuildDatabaseName(at))).toEqual(at);
  });

  it("are unique and valid unquoted identifiers", () => {
    const a = newTestDatabaseName(at);
    expect(a).not.toBe(newTestDatabaseName(at));
    expect(a).toMatch(/^[a-z_][a-z0-9_]{0,62}$/);
  });

  it("never mark a template or a foreign database as temporary", () => {
    expect(temporaryDatabaseCreatedAt(templateDatabaseName("0123456789abcdef"))).toBeUndefined();
    expect(temporaryDatabaseCreatedAt("postgres")).toBeUndefined();
    expect(temporaryDatabaseCreatedAt("jobplane_test_")).toBeUndefined();
  });
});
