/**
 * Bench only: counts every call a worker makes on its KV and R2 bindings, so
 * the cost model rests on operations counted in workerd rather than on reading
 * the code. Counts live in the isolate; `GET /__bench/ops` returns them and
 * `DELETE /__bench/ops` returns them and starts again from zero. Pricing classes are applied by the bench
 * (bench/pricing.mjs), not here: this only records method names and key counts.
 */

/** Calls made and keys they touched (a bulk `get` of 100 keys is 1 call, 100 keys). */
export type OpCounts = Record<string, { calls: number; keys: number }>;

let counts: OpCounts = {};

function record(op: string, keys: number): void {
  const entry = counts[op] ?? { calls: 0, keys: 0 };
  entry.calls++;
  entry.keys += keys;
  counts[op] = entry;
}

/** A proxy of a binding that records each method call as `<kind>.<method>`. */
function counted<T extends object>(binding: T, kind: "kv" | "r2"): T {
  return new Proxy(binding, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        record(`${kind}.${String(prop)}`, Array.isArray(args[0]) ? args[0].length : 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

export interface CountedBindings {
  kv: readonly string[];
  r2: readonly string[];
}

/** Wraps a module worker so that the named bindings of its `env` are counted. */
export function withOpCounting<E extends object>(
  worker: ExportedHandler<E>,
  bindings: CountedBindings,
): ExportedHandler<E> {
  const wrapEnv = (env: E): E => {
    const out: Record<string, unknown> = { ...(env as Record<string, unknown>) };
    for (const name of bindings.kv) out[name] = counted(out[name] as object, "kv");
    for (const name of bindings.r2) out[name] = counted(out[name] as object, "r2");
    return out as E;
  };
  return {
    fetch(request, env, ctx) {
      const url = new URL(request.url);
      if (url.pathname === "/__bench/ops") {
        const snapshot = counts;
        if (request.method === "DELETE") counts = {};
        return Response.json(snapshot);
      }
      if (!worker.fetch) return new Response("no fetch handler", { status: 500 });
      return worker.fetch(request, wrapEnv(env), ctx);
    },
    scheduled(controller, env, ctx) {
      return worker.scheduled?.(controller, wrapEnv(env), ctx);
    },
    // Deliveries as calls, trace events as keys.
    tail(events, env, ctx) {
      record("tail", events.length);
      return worker.tail?.(events, wrapEnv(env), ctx);
    },
  };
}
