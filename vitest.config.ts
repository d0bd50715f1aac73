import { defineConfig } from "vitest/config";

// Two projects: `unit` is pure (no sockets, no sleeps) and fast; `integration`
// talks to the real PostgreSQL and NATS, each test in its own database and
// with its own stream/subject prefix, so files run in parallel.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["{control-plane,agent,gateway,test,proto}/**/*.test.ts"],
          exclude: ["**/*.int.test.ts", "**/*.e2e.test.ts", "**/node_modules/**"],
        },
      },
      {
        test: {
          name: "integration",
          include: ["{control-plane,agent,gateway,test}/**/*.{int,e2e}.test.ts"],
          globalSetup: ["test/support/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
