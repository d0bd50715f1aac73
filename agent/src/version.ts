/** The agent's software version, sent with Register: the package's version. */
import pkg from "../../package.json" with { type: "json" };

export const AGENT_VERSION: string = pkg.version;
