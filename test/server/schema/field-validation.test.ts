import { beforeAll, describe, expect, it } from "vitest";
import {
  checkBody, decodeErrorMessage, findStrictIssuesInText, findUnknownFields, MAX_STRICT_ISSUES, pruneUnknownFields,
  strictDecodingErrorMessage, strictIssueMessage,
} from "../../../server/registry/schema/field-validation.ts";
import { findDuplicateKeys } from "../../../server/registry/schema/json-keys.ts";
import { loadModelGraph, type ModelGraph } from "../../../server/registry/schema/model.ts";
import { findTypeError, QUANTITY_ERROR } from "../../../server/registry/schema/type-errors.ts";

let graph: ModelGraph;
beforeAll(async () => {
  graph = await loadModelGraph();
});

const pod = (spec: Record<string, unknown> = {}) => ({
  apiVersion: "v1", kind: "Pod", metadata: { name: "p", labels: { app: "x" } },
  spec: { containers: [{ name: "c", image: "nginx" }], ...spec },
});

describe("findDuplicateKeys", () => {
  it.each([
    ['{"a":1,"a":2}', ["a"]],
    ['{"a":{"b":1,"b":2},"c":[{"d":1,"d":2}]}', ["a.b", "c[0].d"]],
    ['{"metadata":{"labels":{"x":"1","x":"2"}}}', ["metadata.labels.x"]],
    ['{"k\\u0041":1,"kA":2}', ["kA"]],
    ['{"s":"{\\"q\\":1,\\"q\\":2}"}', []],
    ['{"a":1,"a":2,"a":3}', ["a"]],
    ['[{"a":1,"a":2}]', ["[0].a"]],
    ["{}", []],
    ["  null ", []],
    ['{"a":[[{"x":1,"x":2}]]}', ["a[0][0].x"]],
  ])("%s", (text, expected) => {
    expect(findDuplicateKeys(text)).toEqual(expected);
  });

  it("survives deep nesting", () => {
    const deep = "[".repeat(20000) + "]".repeat(20000);
    expect(findDuplicateKeys(deep)).toEqual([]);
  });

  it("stops quietly on malformed text", () => {
    expect(findDuplicateKeys('{"a":1,"a"')).toEqual([]);
    expect(findDuplicateKeys('{"a":1,"a":')).toEqual(["a"]);
    expect(findDuplicateKeys('{"a" 1}')).toEqual([]);
  });
});

describe("strict issues in request text", () => {
  it("reports unknown fields at any depth with upstream's paths", () => {
    const text = JSON.stringify({ ...pod({ foo: 1 }), notAField: true, spec: { containers: [{ name: "c", bogus: 1 }], foo: 1 } });
    const issues = findStrictIssuesInText(graph, "V1Pod", text);
    // document order: the spread keeps "spec" where pod() put it, before "notAField"
    expect(issues.map(strictIssueMessage)).toEqual([
      'unknown field "spec.containers[0].bogus"',
      'unknown field "spec.foo"',
      'unknown field "notAField"',
    ]);
  });

  it("reports duplicates and unknowns in document order, each once", () => {
    const text = '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","name":"e","unknownMeta":1},' +
      '"metadata":{"name":"f"},"spec":{"paused":true,"paused":false,"unknown1":1,"template":{"spec":{"containers":' +
      '[{"name":"c","unknownNested":1,"imagePullPolicy":"Always","imagePullPolicy":"Never"}]}}}}';
    expect(strictDecodingErrorMessage(findStrictIssuesInText(graph, "V1Deployment", text))).toBe(
      'strict decoding error: duplicate field "metadata.name", unknown field "metadata.unknownMeta", ' +
        'duplicate field "metadata", duplicate field "spec.paused", unknown field "spec.unknown1", ' +
        'unknown field "spec.template.spec.containers[0].unknownNested", ' +
        'duplicate field "spec.template.spec.containers[0].imagePullPolicy"',
    );
  });

  it("does not look inside unknown fields, raw values or maps' values", () => {
    const text = JSON.stringify({
      apiVersion: "apps/v1", kind: "ControllerRevision", metadata: { name: "r", annotations: { anything: "goes" } },
      data: { whatever: { nested: true } }, revision: 1, extra: { deep: { deeper: 1 } },
    });
    expect(findStrictIssuesInText(graph, "V1ControllerRevision", text).map((i) => i.path)).toEqual(["extra"]);
  });

  it("a clean body has no issues", () => {
    expect(findStrictIssuesInText(graph, "V1Pod", JSON.stringify(pod()))).toEqual([]);
  });

  it("caps the list at 100", () => {
    const body: Record<string, number> = {};
    for (let i = 0; i < 150; i++) body[`f${i}`] = i;
    expect(findStrictIssuesInText(graph, "V1Pod", JSON.stringify(body))).toHaveLength(MAX_STRICT_ISSUES);
  });
});

describe("unknown fields of decoded objects, and pruning", () => {
  it("finds them in key order, depth first", () => {
    const obj = { ...pod(), spec: { containers: [{ name: "c", x: 1 }, { name: "d", y: 2 }], z: 3 }, top: 1 };
    expect(findUnknownFields(graph, "V1Pod", obj).map(strictIssueMessage)).toEqual([
      'unknown field "spec.containers[0].x"',
      'unknown field "spec.containers[1].y"',
      'unknown field "spec.z"',
      'unknown field "top"',
    ]);
  });

  it("prune removes exactly the unknown fields and keeps the rest", () => {
    const obj = { ...pod(), spec: { containers: [{ name: "c", image: "i", x: 1 }], z: 3 }, metadata: { name: "p", labels: { keep: "me" }, bad: 1 } };
    const removed = pruneUnknownFields(graph, "V1Pod", obj);
    expect(removed).toEqual(["metadata.bad", "spec.containers[0].x", "spec.z"]);
    expect(obj).toEqual({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", labels: { keep: "me" } }, spec: { containers: [{ name: "c", image: "i" }] } });
    expect(pruneUnknownFields(graph, "V1Pod", obj)).toEqual([]);
  });

  it("ignores values of the wrong shape (type errors are reported elsewhere)", () => {
    expect(findUnknownFields(graph, "V1Pod", { spec: [1, 2] })).toEqual([]);
    expect(findUnknownFields(graph, "V1Pod", null)).toEqual([]);
  });
});

describe("messages", () => {
  it("wraps decode errors as upstream's transformDecodeError does", () => {
    expect(decodeErrorMessage("Pod", "v1", 'strict decoding error: unknown field "spec.foo"')).toBe(
      'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo"',
    );
  });
  it("quotes paths like Go's %q", () => {
    expect(strictIssueMessage({ kind: "unknown", path: 'a."b' })).toBe('unknown field "a.\\"b"');
  });
});

describe("findTypeError", () => {
  const deployment = (spec: Record<string, unknown>) => ({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec });

  it.each([
    [{ replicas: "3" }, "spec.replicas", "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"],
    [{ replicas: 1.5 }, "spec.replicas", "json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32"],
    [{ replicas: 2 ** 31 }, "spec.replicas", "json: cannot unmarshal number 2147483648 into Go struct field DeploymentSpec.spec.replicas of type int32"],
    [{ paused: "yes" }, "spec.paused", "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.paused of type bool"],
    [{ selector: [] }, "spec.selector", "json: cannot unmarshal array into Go struct field DeploymentSpec.spec.selector of type v1.LabelSelector"],
    [{ template: { spec: { containers: { name: "c" } } } }, "spec.template.spec.containers", "json: cannot unmarshal object into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container"],
    [{ template: { spec: { containers: [{ name: "c", ports: [{ containerPort: "80" }] }] } } }, "spec.template.spec.containers[0].ports[0].containerPort",
      "json: cannot unmarshal string into Go struct field ContainerPort.spec.template.spec.containers.ports.containerPort of type int32"],
    [{ template: { metadata: { labels: { a: 1 } } } }, "spec.template.metadata.labels.a", "json: cannot unmarshal number into Go struct field ObjectMeta.spec.template.metadata.labels of type string"],
    [{ template: { spec: { containers: [{ name: "c", args: "x" }] } } }, "spec.template.spec.containers[0].args", "json: cannot unmarshal string into Go struct field Container.spec.template.spec.containers.args of type []string"],
  ])("%j", (spec, path, message) => {
    expect(findTypeError(graph, "V1Deployment", deployment(spec))).toEqual({ path, message });
  });

  it("reports the first error only, in document order", () => {
    const err = findTypeError(graph, "V1Deployment", deployment({ replicas: "a", paused: "b" }));
    expect(err?.path).toBe("spec.replicas");
  });

  it("accepts null anywhere and ignores unknown fields", () => {
    expect(findTypeError(graph, "V1Deployment", deployment({ replicas: null, selector: null, bogus: "x" }))).toBeUndefined();
    expect(findTypeError(graph, "V1Deployment", null)).toBeUndefined();
  });

  it("checks the root type", () => {
    expect(findTypeError(graph, "V1Pod", [1])?.message).toBe("json: cannot unmarshal array into Go value of type v1.Pod");
  });

  it("accepts int-or-string as a string or an integer", () => {
    const svc = (targetPort: unknown) => ({ spec: { ports: [{ port: 80, targetPort }] } });
    expect(findTypeError(graph, "V1Service", svc("http"))).toBeUndefined();
    expect(findTypeError(graph, "V1Service", svc(8080))).toBeUndefined();
    expect(findTypeError(graph, "V1Service", svc(true))?.message).toBe("json: cannot unmarshal bool into Go value of type int32");
    expect(findTypeError(graph, "V1Service", svc(1.5))?.message).toBe("json: cannot unmarshal number 1.5 into Go value of type int32");
  });

  it("checks quantities", () => {
    const withLimits = (limits: unknown) => ({ spec: { containers: [{ name: "c", resources: { limits } }] } });
    expect(findTypeError(graph, "V1Pod", withLimits({ cpu: "100m", memory: "1Gi", "nvidia.com/gpu": 1 }))).toBeUndefined();
    expect(findTypeError(graph, "V1Pod", withLimits({ cpu: "lots" }))).toEqual({ path: "spec.containers[0].resources.limits.cpu", message: QUANTITY_ERROR });
    expect(findTypeError(graph, "V1Pod", withLimits({ cpu: true }))?.message).toBe(QUANTITY_ERROR);
  });

  it("checks timestamps", () => {
    expect(findTypeError(graph, "V1Pod", { metadata: { creationTimestamp: "2024-01-02T03:04:05Z" } })).toBeUndefined();
    expect(findTypeError(graph, "V1Pod", { metadata: { creationTimestamp: 5 } })?.message).toBe("json: cannot unmarshal number into Go value of type string");
    expect(findTypeError(graph, "V1Pod", { metadata: { creationTimestamp: "yesterday" } })?.message).toBe(
      'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"',
    );
  });

  it("lets raw values hold anything", () => {
    expect(findTypeError(graph, "V1ControllerRevision", { data: [1, "x"], revision: 1 })).toBeUndefined();
  });
});

describe("checkBody", () => {
  const text = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","name":"q"},"spec":{"containers":[{"name":"c","foo":1}]}}';
  const type = { kind: "Pod", version: "v1" };

  it("Strict fails with the combined message", () => {
    const r = checkBody(graph, "V1Pod", text, JSON.parse(text), "Strict", type);
    expect(r.error).toBe('Pod in version "v1" cannot be handled as a Pod: strict decoding error: duplicate field "metadata.name", unknown field "spec.containers[0].foo"');
  });

  it("Warn warns and prunes", () => {
    const r = checkBody(graph, "V1Pod", text, JSON.parse(text), "Warn", type);
    expect(r.error).toBeUndefined();
    expect(r.warnings).toEqual(['duplicate field "metadata.name"', 'unknown field "spec.containers[0].foo"']);
    expect(r.object).toEqual({ apiVersion: "v1", kind: "Pod", metadata: { name: "q" }, spec: { containers: [{ name: "c" }] } });
  });

  it("Ignore prunes silently", () => {
    const r = checkBody(graph, "V1Pod", text, JSON.parse(text), "Ignore", type);
    expect(r.warnings).toEqual([]);
    expect((r.object as { spec: { containers: object[] } }).spec.containers[0]).toEqual({ name: "c" });
  });

  it("a type error wins over strict errors, in every mode", () => {
    const bad = '{"kind":"Pod","spec":{"containers":"x","bogus":1}}';
    for (const mode of ["Ignore", "Warn", "Strict"] as const) {
      expect(checkBody(graph, "V1Pod", bad, JSON.parse(bad), mode, type).error).toBe(
        'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container',
      );
    }
  });
});
