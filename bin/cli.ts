/**
 * `npx jobplane <command>`: one entry point for every process and tool.
 * Commands are imported lazily so `jobplane migrate` does not load the
 * gateway, and so on. This file is a composition root above the components;
 * it is the only code that imports more than one of them.
 */
import { parseArgs } from "node:util";

interface Command {
  readonly summary: string;
  run(argv: string[]): Promise<void>;
}

const commands: Record<string, Command> = {
  "control-plane": {
    summary: "serve JobService, BillingService, AdminService and AgentService (CONTROL_PLANE_PORT, default 7070)",
    run: async (argv) => (await import("../control-plane/src/main.js")).runControlPlane(argv),
  },
  admin: {
    summary: "operator commands on DATABASE_URL: create-org --name N --plan P --credits C, create-key, revoke-key, top-up, create-agent-token",
    run: async (argv) => (await import("../control-plane/src/admin-main.js")).runAdmin(argv),
  },
  migrate: {
    summary: "apply the database migrations to DATABASE_URL (a second run is a no-op)",
    run: async (argv) => (await import("../control-plane/src/migrate-main.js")).runMigrate(argv),
  },
  gateway: {
    summary: "serve the REST API, /openapi.json, SSE and the WebSocket hub (GATEWAY_PORT, default 8080; CONTROL_PLANE_URL)",
    run: async (argv) => (await import("../gateway/src/main.js")).runGateway(argv),
  },
  agent: {
    summary: "run a provider agent: --types a,b --slots N --labels k=v (CONTROL_PLANE_URL, NATS_URL, AGENT_TOKEN)",
    run: async (argv) => (await import("../agent/src/main.js")).runAgent(argv),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: jobplane <command> [options]\n\ncommands:\n${lines.join("\n")}\n`;
}

const [name, ...rest] = process.argv.slice(2);
const { values } = parseArgs({ args: name ? [] : process.argv.slice(2), options: { help: { type: "boolean", short: "h" } }, strict: false });
const command = name ? commands[name] : undefined;
if (!command) {
  const asked = name === undefined || values.help || name === "help" || name === "--help" || name === "-h";
  process.stderr.write((asked ? "" : `jobplane: unknown command "${name}"\n\n`) + usage());
  process.exit(asked ? 0 : 2);
}
try {
  await command.run(rest);
} catch (err) {
  process.stderr.write(`jobplane ${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
}
