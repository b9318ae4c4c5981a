import { describe, expect, it } from "vitest";
import { addQuantities, compareQuantities, parseQuantity } from "../../../server/registry/validation/quantity.ts";

const q = (s: string) => {
  const v = parseQuantity(s);
  if (!v) throw new Error(`not a quantity: ${s}`);
  return v;
};

describe("quantities", () => {
  it("compares decimal, binary and exponent forms exactly", () => {
    expect(compareQuantities(q("1"), q("1000m"))).toBe(0);
    expect(compareQuantities(q("0.1"), q("100m"))).toBe(0);
    expect(compareQuantities(q("1Gi"), q("1073741824"))).toBe(0);
    expect(compareQuantities(q("1.5Gi"), q("1536Mi"))).toBe(0);
    expect(compareQuantities(q("1k"), q("1e3"))).toBe(0);
    expect(compareQuantities(q("1G"), q("1Gi"))).toBe(-1);
    expect(compareQuantities(q("250m"), q("0.2"))).toBe(1);
  });

  it("adds", () => {
    expect(compareQuantities(addQuantities(q("100m"), q("0.9")), q("1"))).toBe(0);
  });

  it("refuses what upstream's grammar refuses", () => {
    for (const bad of ["", "abc", "1Gb", "1..2", "1 Gi", "."]) expect(parseQuantity(bad)).toBeUndefined();
    expect(parseQuantity(2)).toEqual({ mantissa: 2n, exponent: 0 });
  });
});
