/**
 * The type graph of the built-in API kinds, read from @kubernetes/client-node's generated models
 * (each class's static `attributeTypeMap`, copied into models.generated.ts by a script), so that field validation, pruning and OpenAPI documents
 * all share one description of every kind and none of them is written by hand.
 *
 * The models' data is a generated file (models.generated.ts, client-node's attributeTypeMaps), loaded
 * on the first `loadModelGraph()`; the graph then parses each model's properties on first use and
 * keeps them.
 * Facts the runtime data lacks come from small tables beside this file: required fields and
 * upstream package names (generated from client-node by scripts/gen-schema-tables.ts) and which
 * strings are quantities (ours, from the Go types).
 */
import { MODEL_PACKAGES } from "./model-packages.generated.ts";
import { QUANTITY_FIELDS } from "./quantities.ts";
import { REQUIRED_FIELDS } from "./required-fields.generated.ts";

/** What a property holds. `raw` is free-form JSON (RawExtension, JSON, FieldsV1): never descended into. */
export type FieldType =
  | { readonly kind: "string"; readonly format?: "byte" }
  | { readonly kind: "integer"; readonly format: "int32" | "int64" }
  | { readonly kind: "number" }
  | { readonly kind: "boolean" }
  | { readonly kind: "date-time"; readonly micro?: boolean }
  | { readonly kind: "int-or-string" }
  | { readonly kind: "quantity" }
  | { readonly kind: "map"; readonly of: FieldType }
  | { readonly kind: "array"; readonly of: FieldType }
  | { readonly kind: "object"; readonly model: string }
  | { readonly kind: "raw"; readonly of: RawKind };

/** Upstream's names for free-form values; `json` may be any JSON value, the others are objects. */
export type RawKind = "RawExtension" | "FieldsV1" | "JSON" | "JSONSchemaPropsOrArray" | "JSONSchemaPropsOrBool" | "JSONSchemaPropsOrStringArray" | "object";

export interface Property {
  /** The JSON name (client-node renames a few: `_default` is `default`, `ref` is `$ref`). */
  readonly name: string;
  readonly type: FieldType;
  readonly required: boolean;
}

export interface Model {
  /** client-node's name, e.g. `V1Pod`. */
  readonly name: string;
  /** Upstream's OpenAPI component name, e.g. `io.k8s.api.core.v1.Pod`. */
  readonly schemaName: string;
  readonly properties: ReadonlyMap<string, Property>;
  /** JSON names of the required properties, in declaration order. */
  readonly required: readonly string[];
}

export interface ModelGraph {
  model(name: string): Model | undefined;
  /** Every model name, for listings and tests. */
  names(): readonly string[];
}

/** The shape of one entry of a class's attributeTypeMap. */
export interface AttributeType {
  readonly name: string;
  readonly baseName: string;
  readonly type: string;
  readonly format: string;
}

export type ModelSource = Readonly<Record<string, { readonly attributeTypeMap: readonly AttributeType[] }>>;

// `any` properties whose upstream type is known; every other `any` is a RawExtension.
const RAW_KINDS: Readonly<Record<string, Readonly<Record<string, RawKind>>>> = {
  V1ManagedFieldsEntry: { fieldsV1: "FieldsV1" },
  V1JSONSchemaProps: {
    _default: "JSON", example: "JSON", _enum: "JSON", items: "JSONSchemaPropsOrArray",
    additionalItems: "JSONSchemaPropsOrBool", additionalProperties: "JSONSchemaPropsOrBool",
    dependencies: "JSONSchemaPropsOrStringArray",
  },
  V1CustomResourceSubresources: { status: "object" },
};

/** Parses a client-node type string (`Array<V1Container>`, `{ [key: string]: string; }`...). */
export function parseAttributeType(type: string, format: string, quantity = false, raw: RawKind = "RawExtension"): FieldType {
  const array = /^Array<(.*)>$/.exec(type);
  if (array) return { kind: "array", of: parseAttributeType(array[1]!, format, quantity, raw) };
  const map = /^\{ \[key: string\]: (.*); \}$/.exec(type);
  if (map) return { kind: "map", of: parseAttributeType(map[1]!, format, quantity, raw) };
  if (quantity) return { kind: "quantity" };
  switch (type) {
    case "string":
      return format === "byte" ? { kind: "string", format: "byte" } : { kind: "string" };
    case "number":
      return format === "int32" || format === "int64" ? { kind: "integer", format } : { kind: "number" };
    case "boolean":
      return { kind: "boolean" };
    case "Date":
      return { kind: "date-time" };
    case "V1MicroTime":
      return { kind: "date-time", micro: true };
    case "IntOrString":
      return { kind: "int-or-string" };
    case "any":
      return { kind: "raw", of: raw };
    default:
      return { kind: "object", model: type };
  }
}

/** Builds a graph over any model source (client-node's in production; small fixtures in tests). */
export function createModelGraph(source: ModelSource): ModelGraph {
  const cache = new Map<string, Model>();
  let packageOf: Map<string, string> | undefined;
  const schemaNameOf = (name: string): string => {
    packageOf ??= new Map(Object.entries(MODEL_PACKAGES).flatMap(([pkg, models]) => models.map((m) => [m, pkg] as const)));
    const pkg = packageOf.get(name);
    // Strip client-node's version (and, for clashing names, group) prefix: CoreV1Event -> Event.
    const short = name.replace(/^(?:[A-Z][a-z]+)*?V\d+(?:alpha\d+|beta\d+)?(?=[A-Z])/, "");
    return pkg ? `${pkg}.${short}` : name;
  };
  return {
    model(name) {
      const hit = cache.get(name);
      if (hit) return hit;
      const entry = Object.hasOwn(source, name) ? source[name] : undefined;
      if (!entry || !Array.isArray(entry.attributeTypeMap)) return undefined;
      const requiredNames = new Set(Object.hasOwn(REQUIRED_FIELDS, name) ? REQUIRED_FIELDS[name] : []);
      const quantities = new Set(Object.hasOwn(QUANTITY_FIELDS, name) ? QUANTITY_FIELDS[name] : []);
      const raws = Object.hasOwn(RAW_KINDS, name) ? RAW_KINDS[name]! : {};
      const properties = new Map<string, Property>();
      const required: string[] = [];
      for (const a of entry.attributeTypeMap) {
        const isRequired = requiredNames.has(a.name);
        properties.set(a.baseName, {
          name: a.baseName,
          type: parseAttributeType(a.type, a.format, quantities.has(a.name), Object.hasOwn(raws, a.name) ? raws[a.name] : undefined),
          required: isRequired,
        });
        if (isRequired) required.push(a.baseName);
      }
      const model: Model = { name, schemaName: schemaNameOf(name), properties, required };
      cache.set(name, model);
      return model;
    },
    names: () => Object.keys(source).filter((k) => Array.isArray(source[k]?.attributeTypeMap)),
  };
}

let loading: Promise<ModelGraph> | undefined;

/**
 * The graph of client-node's models; the first call loads them (once), later calls share it. The
 * models come from models.generated.ts (client-node's attributeTypeMaps, written by
 * scripts/gen-schema-tables.ts), not from client-node itself, whose ~750 model classes would cost
 * about 30 MB of RSS in the server.
 */
export function loadModelGraph(): Promise<ModelGraph> {
  loading ??= import("./models.generated.ts").then(({ MODEL_ATTRIBUTES }) => {
    const source: Record<string, { attributeTypeMap: readonly AttributeType[] }> = {};
    for (const [name, tuples] of Object.entries(MODEL_ATTRIBUTES)) {
      source[name] = {
        attributeTypeMap: tuples.map(([attribute, type, format = "", baseName = attribute]) => ({
          name: attribute!, baseName, type: type!, format,
        })),
      };
    }
    return createModelGraph(source);
  });
  return loading;
}
