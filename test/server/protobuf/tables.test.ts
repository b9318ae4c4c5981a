/**
 * The schema tables are what generate-schema.ts makes from the descriptors and Go struct facts in
 * the kubectl binaries on this machine: regenerate in memory and compare, so that a hand edit or
 * a newer kubectl shows up here. Skipped where those binaries are absent.
 */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SCHEMA } from "../../../server/api/protobuf/schema/mod.ts";
import { buildTables, DEFAULT_BINARIES } from "./generate-schema.ts";

const present = existsSync(DEFAULT_BINARIES[0]!) && existsSync(DEFAULT_BINARIES[2]!);

describe.skipIf(!present)("schema tables", () => {
  it("match the generated.proto descriptors compiled into kubectl", () => {
    const tables = buildTables(DEFAULT_BINARIES);
    expect(tables.size).toBe(21);
    for (const { table } of tables.values()) {
      for (const [message, fields] of Object.entries(table)) {
        expect(SCHEMA[message], message).toEqual(fields);
      }
    }
  }, 60_000);
});

describe("schema tables (always)", () => {
  it("name only messages they define", () => {
    const scalars = new Set(["string", "bytes", "int32", "int64", "uint32", "uint64", "bool", "double", "float"]);
    for (const [message, fields] of Object.entries(SCHEMA)) {
      for (const [, type] of Object.values(fields)) {
        expect(scalars.has(type) || type in SCHEMA, `${message}: ${type}`).toBe(true);
      }
    }
  });
});
