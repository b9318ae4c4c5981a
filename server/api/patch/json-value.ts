/** JSON values as the patch engines see them (parsed request bodies and stored objects). */
export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Deep copy, so that engines never mutate the caller's (possibly cached) objects. Plain objects,
 * arrays and primitives are copied by a recursive walk (several times faster than structuredClone,
 * which serializes and deserializes); anything else (a Date, a Map, a class instance) goes
 * through structuredClone as before.
 */
export function clone<T>(v: T): T {
  return copyValue(v) as T;
}

function copyValue(v: unknown): unknown {
  if (typeof v !== "object" || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copyValue(v[i]);
    return out;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return structuredClone(v);
  // A null-prototype object stays one: it is a dictionary on purpose (fields-v1-pool.ts).
  const out: Record<string, unknown> = proto === null ? Object.create(null) : {};
  for (const k in v) {
    const x = copyValue((v as Record<string, unknown>)[k]);
    // An own "__proto__" key (JSON.parse makes one) stays a key, not a prototype.
    if (k === "__proto__") Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
    else out[k] = x;
  }
  return out;
}

/** Structural equality of JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/**
 * Sets an own property even for the key `__proto__` (plain assignment would change the
 * prototype instead: a request body must never do that).
 */
export function setKey(obj: JsonObject, key: string, value: Json): void {
  if (key === "__proto__") Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}
