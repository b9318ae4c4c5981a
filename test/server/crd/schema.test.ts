/**
 * Custom resource schemas: validation messages as upstream's (kube-openapi through
 * apiextensions' field errors), defaulting, pruning, and the structural schema rules.
 */
import { describe, expect, it } from "vitest";
import { applyDefaults } from "../../../server/registry/crd/defaulting.ts";
import { prune } from "../../../server/registry/crd/pruning.ts";
import { validateValue } from "../../../server/registry/crd/schema-validation.ts";
import { validateStructural } from "../../../server/registry/crd/structural.ts";
import type { JSONSchemaProps } from "../../../server/registry/crd/types.ts";

const schema: JSONSchemaProps = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      required: ["size"],
      properties: {
        size: { type: "integer", minimum: 1, maximum: 10 },
        ratio: { type: "number", minimum: 0, maximum: 1, exclusiveMaximum: true, exclusiveMinimum: true },
        color: { type: "string", enum: ["red", "blue"] },
        name: { type: "string", minLength: 2, maxLength: 5, pattern: "^[a-z]+$" },
        when: { type: "string", format: "date-time" },
        port: { "x-kubernetes-int-or-string": true },
        note: { type: "string", nullable: true },
        items: { type: "array", minItems: 1, maxItems: 2, items: { type: "string" } },
        labels: { type: "object", additionalProperties: { type: "string" } },
        free: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        template: { type: "object", "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true },
      },
    },
  },
};

const messages = (value: unknown) => validateValue(schema, value).map((c) => `${c.field}: ${c.message}`);

describe("schema validation", () => {
  it("accepts a valid object and skips metadata", () => {
    expect(messages({ apiVersion: "x/v1", kind: "X", metadata: { name: "a" }, spec: { size: 3, color: "red", port: "http", note: null } })).toEqual([]);
  });

  it("reports bounds, enums and required fields with upstream's messages", () => {
    expect(messages({ spec: { size: 99, color: "green" } })).toEqual([
      "spec.size: Invalid value: 99: spec.size in body should be less than or equal to 10",
      'spec.color: Unsupported value: "green": supported values: "red", "blue"',
    ]);
    expect(messages({ spec: { size: 0 } })).toEqual(["spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1"]);
    expect(messages({ spec: {} })).toEqual(["spec.size: Required value"]);
    expect(messages({ spec: { size: 1, ratio: 1 } })).toEqual(["spec.ratio: Invalid value: 1: spec.ratio in body should be less than 1"]);
    expect(messages({ spec: { size: 1, ratio: 0 } })).toEqual(["spec.ratio: Invalid value: 0: spec.ratio in body should be greater than 0"]);
  });

  it("reports types, strings, formats and lists", () => {
    expect(messages({ spec: { size: "3" } })).toEqual(['spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"']);
    expect(messages({ spec: { size: 1.5 } })).toEqual(['spec.size: Invalid value: "number": spec.size in body must be of type integer: "number"']);
    expect(messages({ spec: { size: 1, port: true } })).toEqual(['spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"']);
    expect(messages({ spec: { size: 1, name: "abcdef" } })).toEqual(["spec.name: Too long: may not be more than 5 bytes"]);
    expect(messages({ spec: { size: 1, name: "A" } })).toEqual([
      'spec.name: Invalid value: "A": spec.name in body should be at least 2 chars long',
      "spec.name: Invalid value: \"A\": spec.name in body should match '^[a-z]+$'",
    ]);
    expect(messages({ spec: { size: 1, when: "yesterday" } })).toEqual(['spec.when: Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday"']);
    expect(messages({ spec: { size: 1, when: "2024-01-02T03:04:05Z" } })).toEqual([]);
    expect(messages({ spec: { size: 1, items: [] } })).toEqual(["spec.items: Invalid value: []: spec.items in body should have at least 1 items"]);
    expect(messages({ spec: { size: 1, items: ["a", "b", "c"] } })).toEqual(["spec.items: Too many: 3: must have at most 2 items"]);
    expect(messages({ spec: { size: 1, items: ["a", 2] } })).toEqual(['spec.items[1]: Invalid value: "integer": spec.items[1] in body must be of type string: "integer"']);
    expect(messages({ spec: { size: 1, labels: { a: 1 } } })).toEqual(['spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: "integer"']);
  });

  it("requires apiVersion and kind of embedded resources", () => {
    expect(messages({ spec: { size: 1, template: { spec: {} } } })).toEqual(["spec.template.apiVersion: Required value: must not be empty", "spec.template.kind: Required value: must not be empty"]);
  });
});

describe("pruning", () => {
  it("drops unknown fields but keeps metadata, preserved and additional properties", () => {
    const object = {
      apiVersion: "x/v1",
      kind: "X",
      metadata: { name: "a", whatever: 1 },
      spec: { size: 1, bogus: true, labels: { any: "x" }, free: { deep: { x: 1 } }, template: { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, extra: 1 } },
      top: 1,
    };
    expect(prune(object, schema)).toEqual(["spec.bogus", "top"]);
    expect(object).toEqual({
      apiVersion: "x/v1",
      kind: "X",
      metadata: { name: "a", whatever: 1 },
      spec: { size: 1, labels: { any: "x" }, free: { deep: { x: 1 } }, template: { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, extra: 1 } },
    });
  });

  it("prunes inside list items", () => {
    const s: JSONSchemaProps = { type: "object", properties: { list: { type: "array", items: { type: "object", properties: { a: { type: "string" } } } } } };
    const o = { list: [{ a: "x", b: 1 }, { c: 2 }] };
    expect(prune(o, s)).toEqual(["list[0].b", "list[1].c"]);
    expect(o).toEqual({ list: [{ a: "x" }, {}] });
  });
});

describe("defaulting", () => {
  const s: JSONSchemaProps = {
    type: "object",
    properties: {
      spec: {
        type: "object",
        default: {},
        properties: {
          replicas: { type: "integer", default: 1 },
          mode: { type: "string", default: "fast" },
          nested: { type: "object", default: { on: true }, properties: { on: { type: "boolean" }, level: { type: "integer", default: 3 } } },
          list: { type: "array", items: { type: "object", properties: { port: { type: "integer", default: 80 } } } },
          keep: { type: "string", nullable: true, default: "x" },
        },
      },
    },
  };

  it("fills missing fields top-down, deep-copying defaults", () => {
    const o: Record<string, unknown> = {};
    applyDefaults(o, s);
    expect(o).toEqual({ spec: { replicas: 1, mode: "fast", nested: { on: true, level: 3 }, keep: "x" } });
    const p: Record<string, unknown> = { spec: { replicas: 5, list: [{}, { port: 8080 }], keep: null } };
    applyDefaults(p, s);
    expect(p).toEqual({ spec: { replicas: 5, mode: "fast", nested: { on: true, level: 3 }, list: [{ port: 80 }, { port: 8080 }], keep: null } });
  });

  it("defaults nulls of non-nullable fields and drops those without default", () => {
    const o = { spec: { replicas: null, mode: null } };
    applyDefaults(o, { type: "object", properties: { spec: { type: "object", properties: { replicas: { type: "integer", default: 2 }, mode: { type: "string" } } } } });
    expect(o).toEqual({ spec: { replicas: 2 } });
  });
});

describe("structural schemas", () => {
  const path = "spec.versions[0].schema.openAPIV3Schema";
  const check = (s: JSONSchemaProps) => validateStructural(s, path).map((c) => `${c.field}: ${c.message}`);

  it("accepts a structural schema", () => {
    expect(check(schema)).toEqual([]);
  });

  it("requires types and an object root", () => {
    expect(check({ type: "object", properties: { spec: { properties: { a: { type: "string" } } } } })).toEqual([
      `${path}.properties[spec].type: Required value: must not be empty for specified object fields`,
    ]);
    expect(check({ type: "object", properties: { l: { type: "array", items: {} } } })).toEqual([
      `${path}.properties[l].items.type: Required value: must not be empty for specified array items`,
    ]);
    expect(check({ type: "string" })).toEqual([`${path}.type: Invalid value: "string": must be object at the root`]);
    expect(check({})).toEqual([`${path}.type: Required value: must not be empty at the root`]);
  });

  it("refuses what upstream refuses", () => {
    expect(check({ type: "object", properties: { a: { type: "string" } }, additionalProperties: { type: "string" } })).toEqual([
      `${path}.additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive`,
    ]);
    expect(check({ type: "object", properties: { a: { type: "array", uniqueItems: true, items: { type: "string" } } } })).toEqual([
      `${path}.properties[a].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic`,
    ]);
    expect(check({ type: "object", properties: { metadata: { type: "object", properties: { labels: { type: "object" } } } } })).toEqual([
      `${path}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`,
    ]);
    expect(check({ type: "object", properties: { n: { type: "integer", maximum: 3, default: 5 } } })).toEqual([
      `${path}.properties[n].default: Invalid value: 5: in body should be less than or equal to 3`,
    ]);
  });
});
