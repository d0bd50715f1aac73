/**
 * Method + path → operation, from the operation list. A path matches the
 * most specific template (literal segments beat {params} from the left, so
 * /jobs/types wins over /jobs/{id}); a matching path with another method is
 * a 405 with the methods it has, and no match is a 404. Pure.
 */
import type { HttpMethod, OperationSpec } from "../openapi/operations.js";

export type Resolution<Id extends string> =
  | { readonly kind: "match"; readonly id: Id; readonly template: string; readonly params: Readonly<Record<string, string>> }
  | { readonly kind: "wrong-method"; readonly template: string; readonly allowed: readonly HttpMethod[] }
  | { readonly kind: "no-route" };

interface Template<Id extends string> {
  readonly path: string;
  readonly segments: readonly string[];
  /** method → operation id */
  readonly methods: Map<string, Id>;
}

const isParam = (segment: string) => segment.startsWith("{") && segment.endsWith("}");

/** Orders templates so that, position by position, a literal segment comes before a parameter. */
function bySpecificity(a: Template<string>, b: Template<string>): number {
  for (let i = 0; i < Math.min(a.segments.length, b.segments.length); i++) {
    const pa = isParam(a.segments[i]!);
    const pb = isParam(b.segments[i]!);
    if (pa !== pb) return pa ? 1 : -1;
  }
  return 0;
}

function split(path: string): string[] {
  const trimmed = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  return trimmed.split("/").slice(1);
}

export function createRouter<Id extends string>(
  operations: Readonly<Record<Id, OperationSpec>>,
): (method: string, pathname: string) => Resolution<Id> {
  const byPath = new Map<string, Template<Id>>();
  for (const [id, op] of Object.entries(operations) as [Id, OperationSpec][]) {
    let t = byPath.get(op.path);
    if (!t) byPath.set(op.path, (t = { path: op.path, segments: split(op.path), methods: new Map() }));
    t.methods.set(op.method, id);
  }
  const templates = [...byPath.values()].sort(bySpecificity);

  return (method, pathname) => {
    const segments = split(pathname);
    for (const t of templates) {
      if (t.segments.length !== segments.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segments.length && ok; i++) {
        const want = t.segments[i]!;
        const got = segments[i]!;
        if (isParam(want)) {
          const value = safeDecode(got);
          if (value === undefined || value === "") ok = false;
          else params[want.slice(1, -1)] = value;
        } else if (want !== got) {
          ok = false;
        }
      }
      if (!ok) continue;
      const id = t.methods.get(method.toUpperCase());
      if (id === undefined) return { kind: "wrong-method", template: t.path, allowed: [...t.methods.keys()] as HttpMethod[] };
      return { kind: "match", id, template: t.path, params };
    }
    return { kind: "no-route" };
  };
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
