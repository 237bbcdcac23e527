/** The outcome of handling untrusted input: a value, or a machine-readable reason. Never thrown. */
export type Result<T, R extends string> = { ok: true; value: T } | { ok: false; reason: R };

/** A successful result. */
export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

/** A failed result with its reason code. */
export function fail<R extends string>(reason: R): { ok: false; reason: R } {
  return { ok: false, reason };
}
