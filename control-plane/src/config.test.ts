import { describe, expect, it } from "vitest";
import { DEFAULT_DATABASE_URL, readControlPlaneConfig } from "./config.js";

describe("readControlPlaneConfig", () => {
  it("uses the documented defaults", () => {
    const config = readControlPlaneConfig({});
    expect(config.port).toBe(7070);
    expect(config.databaseUrl).toBe(DEFAULT_DATABASE_URL);
  });

  it("reads the environment", () => {
    const config = readControlPlaneConfig({ CONTROL_PLANE_PORT: "0", DATABASE_URL: "postgres://x/y" });
    expect(config.port).toBe(0);
    expect(config.databaseUrl).toBe("postgres://x/y");
  });

  it("names the variable when a number is malformed", () => {
    expect(() => readControlPlaneConfig({ CONTROL_PLANE_PORT: "70x" })).toThrow(/CONTROL_PLANE_PORT/);
    expect(() => readControlPlaneConfig({ CONTROL_PLANE_PORT: "70000" })).toThrow(/CONTROL_PLANE_PORT/);
  });
});
