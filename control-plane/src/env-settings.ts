/**
 * Reading settings from the environment: each malformed value fails start-up
 * with the variable's name, never silently falls back.
 */

/** Reads an integer setting, failing with the variable's name when it is not one. */
export function intSetting(
  env: Record<string, string | undefined>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}
