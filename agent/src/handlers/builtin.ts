/**
 * The job types this agent ships. The media handlers (ffprobe, thumbnail,
 * transcode) join this list in a later issue.
 */
import type { AnyJobTypeDefinition } from "../job-type-definition.js";
import { testEcho } from "./test-echo.js";
import { testFail } from "./test-fail.js";
import { testSleep } from "./test-sleep.js";

export const builtinJobTypes: readonly AnyJobTypeDefinition[] = [testEcho, testSleep, testFail];
