/**
 * Reading values the caller handed us without ever throwing back at them: a
 * throwing getter, a hostile Proxy or a revoked one counts as "not set".
 */

/** `get()`, or undefined when it throws. */
export function safely<T>(get: () => T): T | undefined {
  try {
    return get();
  } catch {
    return undefined;
  }
}

/** A reader of `options[key]` that treats an unreadable option as unset. */
export function optionReader<O extends object>(
  options: O | null | undefined,
): <K extends keyof O>(key: K) => O[K] | undefined {
  return (key) => safely(() => options?.[key]);
}
