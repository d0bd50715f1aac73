/**
 * Query strings → typed values, collecting every problem as a violation
 * (path "/query/<name>") so one 400 tells the client all that is wrong.
 * Pure; the routes turn the collected violations into a VALIDATION_ERROR.
 */
import type { Violation } from "../errors/rest-error.js";

export class QueryReader {
  readonly violations: Violation[] = [];

  constructor(private readonly query: URLSearchParams) {}

  private fail(name: string, description: string): undefined {
    this.violations.push({ path: `/query/${name}`, description });
    return undefined;
  }

  /** The value, or undefined when absent or empty. */
  string(name: string, maxLength = 1024): string | undefined {
    const raw = this.query.get(name);
    if (raw === null || raw === "") return undefined;
    if (raw.length > maxLength) return this.fail(name, `must be at most ${maxLength} characters`);
    return raw;
  }

  /** A whole number within [min, max], or undefined when absent. */
  integer(name: string, min: number, max: number): number | undefined {
    const raw = this.string(name, 32);
    if (raw === undefined) return undefined;
    if (!/^-?\d+$/.test(raw)) return this.fail(name, "must be a whole number");
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      return this.fail(name, `must be between ${min} and ${max}`);
    }
    return value;
  }

  /** A comma-separated list of allowed values ("a,b"); undefined when absent. */
  list<T extends string>(name: string, allowed: readonly T[]): T[] | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const items = raw.split(",").map((s) => s.trim()).filter((s) => s !== "");
    const unknown = items.filter((s) => !(allowed as readonly string[]).includes(s));
    if (unknown.length > 0) return this.fail(name, `unknown value(s) ${unknown.join(", ")}; allowed: ${allowed.join(", ")}`);
    return items as T[];
  }
}
