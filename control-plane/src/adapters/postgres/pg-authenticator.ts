/** Stub: replaced by the API-key authenticator. */
import type { Clock } from "../../app/clock.js";
import type { Authenticator } from "../../app/principal.js";
import { unauthorized } from "../../domain/domain-error.js";
import type { Orm } from "./orm.js";

export function createPgAuthenticator(_deps: { orm: Orm; clock: Clock; adminToken: string | undefined }): Authenticator {
  return {
    authenticate: async () => {
      throw unauthorized("API keys are not implemented yet");
    },
    authenticateAdmin: async () => {
      throw unauthorized("admin token not implemented yet");
    },
  };
}
