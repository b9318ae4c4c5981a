/**
 * resource.Quantity values ("100m", "1.5Gi", "2e3") as exact numbers, for the few places the
 * server must compare or add them (QoS class, requests <= limits, quota columns). Stored objects
 * keep the client's strings; this only reads them. Values are exact rationals: an integer
 * mantissa times a power of ten, so "1" and "1000m" compare equal without float rounding.
 */

/** upstream's grammar (apimachinery pkg/api/resource/quantity.go splitREString). */
const QUANTITY_RE = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
export const QUANTITY_MESSAGE = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

const DECIMAL_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIX: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };

/** `mantissa × 10^exponent`. */
export interface Quantity {
  mantissa: bigint;
  exponent: number;
}

/** The value of a quantity string (or number), or undefined when it is not one. */
export function parseQuantity(input: unknown): Quantity | undefined {
  if (typeof input === "number") {
    if (!Number.isFinite(input)) return undefined;
    input = String(input);
  }
  if (typeof input !== "string") return undefined;
  const match = QUANTITY_RE.exec(input.trim());
  if (!match) return undefined;
  const [, number, suffix] = match;
  const num = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(number);
  if (!num || (num[2] === "" && (num[3] ?? "") === "")) return undefined;
  const [, sign, whole, fraction = ""] = num;
  let mantissa = BigInt((whole || "0") + fraction);
  let exponent = -fraction.length;
  if (suffix in BINARY_SUFFIX) mantissa *= BINARY_SUFFIX[suffix];
  else if (suffix in DECIMAL_SUFFIX) exponent += DECIMAL_SUFFIX[suffix];
  else if (/^[eE][-+]?\d+$/.test(suffix)) exponent += Number(suffix.slice(1));
  else return undefined;
  if (sign === "-") mantissa = -mantissa;
  return { mantissa, exponent };
}

function aligned(a: Quantity, b: Quantity): [bigint, bigint, number] {
  const e = Math.min(a.exponent, b.exponent);
  return [a.mantissa * 10n ** BigInt(a.exponent - e), b.mantissa * 10n ** BigInt(b.exponent - e), e];
}

/** -1, 0 or 1 as a is less than, equal to or greater than b. */
export function compareQuantities(a: Quantity, b: Quantity): number {
  const [x, y] = aligned(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function addQuantities(a: Quantity, b: Quantity): Quantity {
  const [x, y, exponent] = aligned(a, b);
  return { mantissa: x + y, exponent };
}

export function quantitySign(q: Quantity): number {
  return q.mantissa > 0n ? 1 : q.mantissa < 0n ? -1 : 0;
}

export const ZERO_QUANTITY: Quantity = { mantissa: 0n, exponent: 0 };
