#!/usr/bin/env node
// Launcher for `npx jobplane <command>`: checks the Node version, lets Node
// load the TypeScript sources through tsx, and hands over to bin/cli.ts.
import { register } from "tsx/esm/api";

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 17)) {
  console.error(`jobplane needs Node >= 22.17, this is ${process.version}; run it through npx or npm.`);
  process.exit(1);
}
register();
await import("./cli.ts");
