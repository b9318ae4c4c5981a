import { describe, expect, it } from "vitest";
import {
  BUILTIN_FIELD_ALIASES, customResourceFieldTable, DEFAULT_FIELD_TABLE, fieldTableFor,
} from "../../../server/api/selectors/field-tables.ts";
import {
  escapeFieldValue, fieldSelectorFor, FieldSelectorError, parseFieldSelector, unescapeFieldValue,
} from "../../../server/api/selectors/fields.ts";

describe("parseFieldSelector", () => {
  it.each([
    ["", []],
    ["a=b", [{ field: "a", operator: "=", value: "b" }]],
    ["a==b", [{ field: "a", operator: "==", value: "b" }]],
    ["a!=b", [{ field: "a", operator: "!=", value: "b" }]],
    ["a=", [{ field: "a", operator: "=", value: "" }]],
    ["b=2,a=1", [{ field: "a", operator: "=", value: "1" }, { field: "b", operator: "=", value: "2" }]],
    ["a=x\\,y", [{ field: "a", operator: "=", value: "x,y" }]],
    ["a=x\\=y\\\\", [{ field: "a", operator: "=", value: "x=y\\" }]],
    ["a=b,", [{ field: "a", operator: "=", value: "b" }]],
    ["a\\=b=c", [{ field: "a\\=b", operator: "=", value: "c" }]],
    ["a=b, c=d", [{ field: " c", operator: "=", value: "d" }, { field: "a", operator: "=", value: "b" }]],
  ])("%j", (sel, expected) => {
    expect(parseFieldSelector(sel)).toEqual(expected);
  });

  it.each([
    ["abc", "invalid selector: 'abc'; can't understand 'abc'"],
    ["a=b,c", "invalid selector: 'a=b,c'; can't understand 'c'"],
    ["a=b=c", "invalid field selector: unescaped character in value: 61"],
    ["a!==b", "invalid field selector: unescaped character in value: 61"],
    ["a=b\\x", "invalid field selector: invalid escape sequence: \\x"],
    ["a=b\\", "invalid field selector: invalid escape sequence: \\"],
  ])("rejects %j", (sel, message) => {
    expect(() => parseFieldSelector(sel)).toThrow(new FieldSelectorError(message));
  });

  it("escape and unescape round-trip", () => {
    for (const v of ["plain", "a,b", "a=b", "a\\b", "\\,=", ""]) expect(unescapeFieldValue(escapeFieldValue(v))).toBe(v);
  });
});

describe("field tables and matching", () => {
  const pod = {
    metadata: { name: "web-0", namespace: "default" },
    spec: { nodeName: "n1", restartPolicy: "Always", schedulerName: "default-scheduler", serviceAccountName: "sa", hostNetwork: true },
    status: { phase: "Running", podIP: "10.0.0.9", podIPs: [{ ip: "10.0.0.1" }, { ip: "fd00::1" }], nominatedNodeName: "n2" },
  };
  const pods = fieldTableFor("", "pods");

  it.each([
    ["metadata.name=web-0", true],
    ["metadata.name=web-1", false],
    ["metadata.namespace=default", true],
    ["spec.nodeName=n1", true],
    ["spec.nodeName!=n1", false],
    ["spec.nodeName==n1,status.phase=Running", true],
    ["spec.nodeName=n1,status.phase!=Running", false],
    ["spec.hostNetwork=true", true],
    ["spec.restartPolicy=Always", true],
    ["spec.schedulerName=default-scheduler", true],
    ["spec.serviceAccountName=sa", true],
    ["status.podIP=10.0.0.1", true],
    ["status.podIP=10.0.0.9", false],
    ["status.podIPs=", true],
    ["status.nominatedNodeName=n2", true],
    ["spec.host=n1", true],
  ])("pods %j -> %s", (sel, expected) => {
    expect(fieldSelectorFor(sel, pods, BUILTIN_FIELD_ALIASES["/pods"]).matches(pod)).toBe(expected);
  });

  it("unset fields read as empty, booleans as false", () => {
    const bare = { metadata: { name: "x" } };
    expect(fieldSelectorFor("spec.nodeName=", pods).matches(bare)).toBe(true);
    expect(fieldSelectorFor("spec.hostNetwork=false", pods).matches(bare)).toBe(true);
    expect(fieldSelectorFor("status.podIP=", pods).matches(bare)).toBe(true);
  });

  it("rejects unsupported fields with upstream's message", () => {
    expect(() => fieldSelectorFor("spec.foo=bar", pods)).toThrow(new FieldSelectorError("field label not supported: spec.foo"));
    expect(() => fieldSelectorFor("metadata.namespace=x", fieldTableFor("", "nodes"))).toThrow("field label not supported: metadata.namespace");
    expect(() => fieldSelectorFor("spec.nodeName=x", DEFAULT_FIELD_TABLE)).toThrow("field label not supported: spec.nodeName");
    expect(() => fieldSelectorFor("spec.host=n1", pods)).toThrow("field label not supported: spec.host");
  });

  it("events support describe's involvedObject selectors", () => {
    const events = fieldTableFor("", "events");
    const ev = {
      metadata: { name: "e", namespace: "default" },
      involvedObject: { kind: "Pod", name: "web-0", namespace: "default", uid: "u1", apiVersion: "v1", resourceVersion: "7", fieldPath: "spec.containers{c}" },
      reason: "Started", reportingComponent: "kubelet", source: { component: "kubelet", host: "n1" }, type: "Normal",
    };
    const sel = "involvedObject.name=web-0,involvedObject.namespace=default,involvedObject.kind=Pod,involvedObject.uid=u1";
    expect(fieldSelectorFor(sel, events).matches(ev)).toBe(true);
    expect(fieldSelectorFor("involvedObject.fieldPath=spec.containers{c},involvedObject.apiVersion=v1,involvedObject.resourceVersion=7", events).matches(ev)).toBe(true);
    expect(fieldSelectorFor("source=kubelet,reason=Started,type=Normal,reportingComponent=kubelet", events).matches(ev)).toBe(true);
    expect(fieldSelectorFor("type=Warning", events).matches(ev)).toBe(false);
  });

  it.each([
    ["", "secrets", "type=Opaque", { metadata: { name: "s" }, type: "Opaque" }, true],
    ["", "namespaces", "status.phase=Active", { metadata: { name: "n" }, status: { phase: "Active" } }, true],
    ["", "nodes", "spec.unschedulable=true", { metadata: { name: "n" }, spec: { unschedulable: true } }, true],
    ["", "nodes", "spec.unschedulable=false", { metadata: { name: "n" } }, true],
    ["", "services", "spec.type=ClusterIP,spec.clusterIP=10.43.0.1", { spec: { type: "ClusterIP", clusterIP: "10.43.0.1" } }, true],
    ["", "replicationcontrollers", "status.replicas=0", {}, true],
    ["apps", "replicasets", "status.replicas=3", { status: { replicas: 3 } }, true],
    ["batch", "jobs", "status.successful=1", { status: { succeeded: 1 } }, true],
    ["certificates.k8s.io", "certificatesigningrequests", "spec.signerName=kubernetes.io/kubelet-serving", { spec: { signerName: "kubernetes.io/kubelet-serving" } }, true],
    ["apps", "deployments", "metadata.name=d", { metadata: { name: "d" } }, true],
  ])("%s/%s %s", (group, resource, sel, obj, expected) => {
    expect(fieldSelectorFor(sel, fieldTableFor(group, resource)).matches(obj)).toBe(expected);
  });

  it("exposes the exact name a selector pins", () => {
    expect(fieldSelectorFor("metadata.name=x", pods).requiresExactMatch("metadata.name")).toBe("x");
    expect(fieldSelectorFor("metadata.name!=x", pods).requiresExactMatch("metadata.name")).toBeUndefined();
    expect(fieldSelectorFor("", pods).empty).toBe(true);
  });

  it("custom resources: metadata plus selectableFields", () => {
    const t = customResourceFieldTable([{ jsonPath: ".spec.color" }, { jsonPath: ".spec.size" }]);
    const cr = { metadata: { name: "a", namespace: "ns" }, spec: { color: "blue", size: 3 } };
    expect(fieldSelectorFor("spec.color=blue,spec.size=3,metadata.namespace=ns", t).matches(cr)).toBe(true);
    expect(() => fieldSelectorFor("spec.shape=round", t)).toThrow("field label not supported: spec.shape");
  });
});
