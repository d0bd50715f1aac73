/**
 * The built-in job types: the media types whose handlers come with the media
 * issue (ffprobe, thumbnail, transcode, ffmpeg) and the test types later
 * tests and the benchmark rely on (test.echo, test.sleep, test.fail).
 *
 * `on conflict do nothing`: an operator who already defined one of these
 * names (UpsertJobType) keeps their definition. Later price or schema
 * changes are new migrations or UpsertJobType calls, never edits here.
 *
 * Sizing, against the seeded plans (free: 300 s max execution, pro: 900 s):
 * - Every type the free plan lists runs at most 300 s, so a free org can
 *   submit it (a longer max execution would be a PLAN_LIMIT on every try).
 * - test.sleep accepts up to 3600 s of sleep but may run only 300 s: a long
 *   sleep is the way to exercise PROVIDER_TIMEOUT end to end.
 * - The hold is the price of a full-length run (base + per second × max
 *   execution): test.echo and test.fail cost 1 credit flat so tests and the
 *   benchmark can run thousands of them; test.sleep is priced per second
 *   (1 + 1/s → 301 held) so capture-less-than-hold paths get exercised.
 */
import { Migration } from "@mikro-orm/migrations";

const DRAFT = "https://json-schema.org/draft/2020-12/schema";

interface BuiltInType {
  readonly name: string;
  readonly description: string;
  readonly paramsSchema: Readonly<Record<string, unknown>>;
  readonly maxExecutionSeconds: number;
  readonly queueTtlSeconds: number;
  readonly baseCredits: number;
  readonly creditsPerSecond: number;
  readonly allowedPlans: readonly string[];
}

const FREE_AND_PRO = ["free", "pro"] as const;
const PRO_ONLY = ["pro"] as const;

const dimension = (max: number) => ({ type: "integer", minimum: 1, maximum: max });

const BUILT_IN: readonly BuiltInType[] = [
  {
    name: "ffprobe",
    description: "Reads the media metadata (container, streams, duration) of the input `source`.",
    paramsSchema: { $schema: DRAFT, type: "object", properties: {}, additionalProperties: false },
    maxExecutionSeconds: 60,
    queueTtlSeconds: 600,
    baseCredits: 1,
    creditsPerSecond: 0,
    allowedPlans: FREE_AND_PRO,
  },
  {
    name: "thumbnail",
    description: "Extracts one still image from the input `source`.",
    paramsSchema: {
      $schema: DRAFT,
      type: "object",
      properties: {
        atSeconds: { type: "number", minimum: 0, description: "Where to take the frame; default 0." },
        width: dimension(7680),
        height: dimension(4320),
        format: { enum: ["jpeg", "png", "webp"], description: "Default jpeg." },
      },
      additionalProperties: false,
    },
    maxExecutionSeconds: 120,
    queueTtlSeconds: 600,
    baseCredits: 1,
    creditsPerSecond: 1,
    allowedPlans: FREE_AND_PRO,
  },
  {
    name: "transcode",
    description: "Converts the input `source` to another container, codec or size.",
    paramsSchema: {
      $schema: DRAFT,
      type: "object",
      required: ["format"],
      properties: {
        format: { enum: ["mp4", "webm", "mkv", "mov", "mp3", "m4a", "ogg", "wav", "flac"] },
        videoCodec: { enum: ["h264", "h265", "vp9", "av1", "copy", "none"] },
        audioCodec: { enum: ["aac", "opus", "mp3", "vorbis", "flac", "pcm", "copy", "none"] },
        width: dimension(7680),
        height: dimension(4320),
        crf: { type: "integer", minimum: 0, maximum: 63, description: "Constant rate factor (quality)." },
        preset: { enum: ["ultrafast", "veryfast", "fast", "medium", "slow", "veryslow"] },
        videoBitrateKbps: { type: "integer", minimum: 1, maximum: 200000 },
        audioBitrateKbps: { type: "integer", minimum: 1, maximum: 1024 },
        fps: { type: "number", exclusiveMinimum: 0, maximum: 240 },
        startSeconds: { type: "number", minimum: 0 },
        durationSeconds: { type: "number", exclusiveMinimum: 0 },
      },
      additionalProperties: false,
    },
    maxExecutionSeconds: 900,
    queueTtlSeconds: 1800,
    baseCredits: 5,
    creditsPerSecond: 2,
    allowedPlans: PRO_ONLY,
  },
  {
    name: "ffmpeg",
    description: "Runs ffmpeg with the given arguments; inputs and outputs are referred to by name.",
    paramsSchema: {
      $schema: DRAFT,
      type: "object",
      required: ["args"],
      properties: {
        args: { type: "array", minItems: 1, maxItems: 256, items: { type: "string", maxLength: 4096 } },
      },
      additionalProperties: false,
    },
    maxExecutionSeconds: 900,
    queueTtlSeconds: 1800,
    baseCredits: 5,
    creditsPerSecond: 2,
    allowedPlans: PRO_ONLY,
  },
  {
    name: "test.echo",
    description: "Test type: completes at once and returns its params as output data.",
    paramsSchema: { $schema: DRAFT, type: "object" },
    maxExecutionSeconds: 60,
    queueTtlSeconds: 600,
    baseCredits: 1,
    creditsPerSecond: 0,
    allowedPlans: FREE_AND_PRO,
  },
  {
    name: "test.sleep",
    description: "Test type: sleeps `seconds`, reporting progress each second.",
    paramsSchema: {
      $schema: DRAFT,
      type: "object",
      required: ["seconds"],
      properties: { seconds: { type: "number", minimum: 0, maximum: 3600 } },
      additionalProperties: false,
    },
    maxExecutionSeconds: 300,
    queueTtlSeconds: 600,
    baseCredits: 1,
    creditsPerSecond: 1,
    allowedPlans: FREE_AND_PRO,
  },
  {
    name: "test.fail",
    description: "Test type: fails with the given error code and message.",
    paramsSchema: {
      $schema: DRAFT,
      type: "object",
      required: ["code"],
      properties: {
        code: { enum: ["PROVIDER_ERROR", "VALIDATION_ERROR"] },
        message: { type: "string", maxLength: 1000 },
      },
      additionalProperties: false,
    },
    maxExecutionSeconds: 60,
    queueTtlSeconds: 600,
    baseCredits: 1,
    creditsPerSecond: 0,
    allowedPlans: FREE_AND_PRO,
  },
];

/** A SQL string literal (standard_conforming_strings is on in every supported Postgres). */
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

function insertStatement(t: BuiltInType): string {
  const plans = `array[${t.allowedPlans.map(literal).join(", ")}]::text[]`;
  return `insert into job_types (name, description, params_schema, max_execution_seconds, queue_ttl_seconds,
                          base_credits, credits_per_second, allowed_plans)
  values (${literal(t.name)}, ${literal(t.description)}, ${literal(JSON.stringify(t.paramsSchema))}::jsonb,
          ${t.maxExecutionSeconds}, ${t.queueTtlSeconds}, ${t.baseCredits}, ${t.creditsPerSecond}, ${plans})
  on conflict (name) do nothing`;
}

export class Migration20261129000100_job_type_catalog extends Migration {
  override name = "Migration20261129000100_job_type_catalog";

  override up(): void {
    for (const type of BUILT_IN) this.addSql(insertStatement(type));
  }

  override down(): void {
    throw new Error("migrations are forward-only: restore a backup or write a new migration");
  }
}
