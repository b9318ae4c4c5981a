/**
 * Services, Endpoints, Nodes, Events, PV/PVC, LimitRange and ResourceQuota: defaults,
 * validation messages and the table cells kubectl prints.
 */
import { describe, expect, it } from "vitest";
import { events, eventsV1 } from "../../../server/registry/builtin/core-events.ts";
import { nodes } from "../../../server/registry/builtin/core-nodes.ts";
import { limitranges, resourcequotas } from "../../../server/registry/builtin/core-policy.ts";
import { endpoints, services } from "../../../server/registry/builtin/core-services.ts";
import { persistentvolumeclaims, persistentvolumes } from "../../../server/registry/builtin/core-storage.ts";
import type { ResourceDefinition } from "../../../server/registry/types.ts";
import type { KubeObject } from "../../../server/storage/object.ts";

const meta = { name: "x", namespace: "default", creationTimestamp: new Date().toISOString() };

function prepared(def: ResourceDefinition, object: Partial<KubeObject>): KubeObject {
  const o = { metadata: { ...meta }, ...object } as KubeObject;
  def.strategy.defaults?.(o);
  def.strategy.prepareForCreate?.(o);
  return o;
}
const problems = (def: ResourceDefinition, o: KubeObject) => (def.strategy.validate?.(o) ?? []).map((c) => `${c.field}: ${c.message}`);
const columns = (def: ResourceDefinition) => def.table!.columns.map((c) => (c.priority ? `(${c.name})` : c.name)).join(" ");

describe("services", () => {
  it("defaults and prints PORT(S), EXTERNAL-IP and SELECTOR", () => {
    const svc = prepared(services, { spec: { type: "LoadBalancer", clusterIP: "10.43.0.5", selector: { b: "2", a: "1" }, ports: [{ name: "http", port: 80, nodePort: 30080 }, { name: "dns", port: 53, protocol: "UDP", targetPort: "dns" }] } });
    expect(svc.spec).toMatchObject({ sessionAffinity: "None", externalTrafficPolicy: "Cluster", internalTrafficPolicy: "Cluster", allocateLoadBalancerNodePorts: true, clusterIPs: ["10.43.0.5"] });
    expect(svc.status).toEqual({ loadBalancer: {} });
    expect(columns(services)).toBe("Name Type Cluster-IP External-IP Port(s) Age (Selector)");
    const cells = services.table!.cells(svc);
    expect([cells[1], cells[2], cells[3], cells[4], cells[6]]).toEqual(["LoadBalancer", "10.43.0.5", "<pending>", "80:30080/TCP,53/UDP", "a=1,b=2"]);
    svc.status = { loadBalancer: { ingress: [{ ip: "192.168.1.240" }] } };
    expect(services.table!.cells(svc)[3]).toBe("192.168.1.240");
    const external = prepared(services, { spec: { type: "ExternalName", externalName: "db.example.com" } });
    expect(services.table!.cells(external).slice(1, 5)).toEqual(["ExternalName", "<none>", "db.example.com", "<none>"]);
    expect((external.spec as any).ipFamilies).toBeUndefined();
  });

  it("validates ports and cluster IPs", () => {
    const svc = prepared(services, { spec: { clusterIP: "10.43.0.300", ports: [{ port: 70000 }, { port: 80, nodePort: 30001 }] } });
    const got = problems(services, svc);
    expect(got).toContain('spec.clusterIPs[0]: Invalid value: "10.43.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)');
    expect(got).toContain("spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive");
    expect(got).toContain("spec.ports[0].name: Required value");
    expect(got).toContain("spec.ports[1].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'");
    expect(problems(services, prepared(services, { spec: {} }))).toEqual(["spec.ports: Required value"]);
  });

  it("keeps the cluster IP on an update that leaves it out, and refuses changing it", () => {
    const old = prepared(services, { spec: { clusterIP: "10.43.0.5", ports: [{ port: 80 }] } });
    const next = { metadata: { ...meta }, spec: { ports: [{ port: 80 }] } } as KubeObject;
    services.strategy.defaults!(next);
    services.strategy.prepareForUpdate!(next, old);
    expect((next.spec as any).clusterIPs).toEqual(["10.43.0.5"]);
    const moved = structuredClone(old);
    (moved.spec as any).clusterIP = "10.43.0.6";
    (moved.spec as any).clusterIPs = ["10.43.0.6"];
    expect(services.strategy.validateUpdate!(moved, old).map((c) => c.message)).toContain('Invalid value: "10.43.0.6": may not change once set');
  });
});

describe("endpoints", () => {
  it("prints at most three endpoints", () => {
    const ep = prepared(endpoints, { subsets: [{ addresses: ["10.0.0.1", "10.0.0.2", "10.0.0.3"].map((ip) => ({ ip })), ports: [{ port: 80 }, { port: 443 }] }] });
    expect(endpoints.table!.cells(ep)[1]).toBe("10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 3 more...");
    expect(endpoints.table!.cells(prepared(endpoints, {}))[1]).toBe("<none>");
    expect((ep.subsets as any)[0].ports[0].protocol).toBe("TCP");
  });
});

describe("nodes", () => {
  it("prints STATUS and ROLES", () => {
    const node = prepared(nodes, { metadata: { ...meta, labels: { "kubernetes.io/role": "edge", "node-role.kubernetes.io/worker": "" } }, spec: { unschedulable: true }, status: { conditions: [{ type: "Ready", status: "Unknown" }] } });
    expect(columns(nodes)).toBe("Name Status Roles Age Version (Internal-IP) (External-IP) (OS-Image) (Kernel-Version) (Container-Runtime)");
    const cells = nodes.table!.cells(node);
    expect([cells[1], cells[2], cells[4], cells[5], cells[7]]).toEqual(["NotReady,SchedulingDisabled", "edge,worker", "", "<none>", "<unknown>"]);
    expect(nodes.table!.cells(prepared(nodes, {}))[1]).toBe("Unknown");
  });

  it("validates taints and pod CIDRs", () => {
    const node = prepared(nodes, { spec: { podCIDR: "10.42.0.0/33", taints: [{ key: "k", effect: "Sometimes" }, { key: "j" }] } });
    expect(problems(nodes, node)).toEqual([
      'spec.podCIDRs[0]: Invalid value: "10.42.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
      'spec.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoExecute", "NoSchedule", "PreferNoSchedule"',
      "spec.taints[1].effect: Required value",
    ]);
  });
});

describe("events", () => {
  it("prints kubectl's event columns (wide cells in order)", () => {
    const ev = prepared(events, { involvedObject: { kind: "Pod", name: "web", namespace: "default", fieldPath: "spec.containers{web}" }, reason: "Pulled", message: "pulled ", type: "Normal", source: { component: "kubelet", host: "n1" }, firstTimestamp: meta.creationTimestamp, count: 3 });
    expect(columns(events)).toBe("Last Seen Type Reason Object (Subobject) (Source) Message (First Seen) (Count) (Name)");
    expect(events.table!.cells(ev).slice(1)).toEqual(["Normal", "Pulled", "pod/web", "spec.containers{web}", "kubelet, n1", "pulled", "0s", 3, "x"]);
    expect(ev.note).toBe("pulled ");
    expect((ev.regarding as any).name).toBe("web");
  });

  it("converts events.k8s.io field names to core ones and validates strictly", () => {
    const ev = prepared(eventsV1, { eventTime: "2025-01-01T00:00:00.000000Z", regarding: { kind: "Pod", name: "web", namespace: "default" }, note: "hello", reason: "Scheduled", action: "Binding", type: "Normal", reportingController: "default-scheduler", reportingInstance: "s-1" });
    expect(ev).toMatchObject({ message: "hello", involvedObject: { name: "web" }, reportingComponent: "default-scheduler" });
    expect(problems(eventsV1, ev)).toEqual([]);
    const bare = prepared(eventsV1, { regarding: { kind: "Pod", name: "web", namespace: "default" }, type: "Odd" });
    expect(problems(eventsV1, bare)).toEqual(expect.arrayContaining(["eventTime: Required value", "reportingController: Required value", "action: Required value", 'type: Invalid value: "": has invalid value: Odd']));
  });

  it("keeps old-style events in their object's namespace", () => {
    const ev = prepared(events, { involvedObject: { kind: "Pod", name: "web", namespace: "other" } });
    expect(problems(events, ev)).toEqual(['involvedObject.namespace: Invalid value: "other": does not match event.namespace']);
  });
});

describe("volumes", () => {
  it("defaults, validates and prints persistent volumes", () => {
    const pv = prepared(persistentvolumes, { metadata: { ...meta, namespace: undefined }, spec: { capacity: { storage: "5Gi" }, accessModes: ["ReadWriteMany", "ReadWriteOnce"], hostPath: { path: "/data" }, storageClassName: "local", claimRef: { namespace: "default", name: "data" } } });
    expect(pv.spec).toMatchObject({ persistentVolumeReclaimPolicy: "Retain", volumeMode: "Filesystem" });
    expect((pv.status as any).phase).toBe("Pending");
    expect(problems(persistentvolumes, pv)).toEqual([]);
    expect(columns(persistentvolumes)).toBe("Name Capacity Access Modes Reclaim Policy Status Claim StorageClass VolumeAttributesClass Reason Age (VolumeMode)");
    const cells = persistentvolumes.table!.cells(pv);
    expect([...cells.slice(1, 9), cells[10]]).toEqual(["5Gi", "RWO,RWX", "Retain", "Pending", "default/data", "local", "<unset>", "", "Filesystem"]);
    expect(problems(persistentvolumes, prepared(persistentvolumes, { spec: {} }))).toEqual(["spec.accessModes: Required value: at least 1 access mode is required", "spec.capacity: Required value", "spec: Required value: must specify a volume type"]);
  });

  it("validates claims and prints capacity once bound", () => {
    const pvc = prepared(persistentvolumeclaims, { spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } });
    expect(problems(persistentvolumeclaims, pvc)).toEqual([]);
    expect(persistentvolumeclaims.table!.cells(pvc).slice(1, 5)).toEqual(["Pending", "", "", ""]);
    const boundClaim = structuredClone(pvc);
    (boundClaim.spec as any).volumeName = "pv-1";
    boundClaim.status = { phase: "Bound", capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"] };
    expect(persistentvolumeclaims.strategy.validateUpdate!(boundClaim, pvc)).toEqual([]);
    expect(persistentvolumeclaims.table!.cells(boundClaim).slice(1, 5)).toEqual(["Bound", "pv-1", "1Gi", "RWO"]);
    const changed = structuredClone(boundClaim);
    (changed.spec as any).accessModes = ["ReadWriteMany"];
    expect(persistentvolumeclaims.strategy.validateUpdate!(changed, boundClaim).map((c) => c.field)).toEqual(["spec"]);
    expect(problems(persistentvolumeclaims, prepared(persistentvolumeclaims, { spec: { accessModes: ["ReadWriteOnce"] } }))).toEqual(["spec.resources[storage]: Required value"]);
  });
});

describe("limit ranges and quotas", () => {
  it("prints quota usage split into requests and limits", () => {
    const rq = prepared(resourcequotas, { spec: { hard: { pods: "10" } } });
    rq.status = { hard: { pods: "10", "requests.cpu": "2", "limits.memory": "2Gi" }, used: { pods: "3", "requests.cpu": "500m" } };
    expect(columns(resourcequotas)).toBe("Name Age Request Limit");
    expect(resourcequotas.table!.cells(rq).slice(2)).toEqual(["pods: 3/10, requests.cpu: 500m/2", "limits.memory: 0/2Gi"]);
    expect(problems(resourcequotas, prepared(resourcequotas, { spec: { hard: { cpu: "lots" } } }))[0]).toMatch(/^spec.hard\[cpu\]: Invalid value: "lots": quantities must match/);
  });

  it("prints a limit range's creation time and checks its types", () => {
    const lr = prepared(limitranges, { spec: { limits: [{ type: "Container", default: { cpu: "1" } }, { type: "Container" }] } });
    expect(columns(limitranges)).toBe("Name Created At");
    expect(limitranges.table!.cells(lr)).toEqual(["x", meta.creationTimestamp]);
    expect(problems(limitranges, lr)).toEqual(['spec.limits[1].type: Duplicate value: "Container"']);
  });
});
