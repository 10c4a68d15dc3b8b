/** Typed arrays that columns of per-flow (or per-row) state are kept in. */
export type Column = Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array;

/** A copy of `old`, of the same type, `length` elements long (zeros after the old ones). */
export function grown<T extends Column>(old: T, length: number): T {
  const next = new (old.constructor as new (n: number) => T)(length);
  next.set(old);
  return next;
}
