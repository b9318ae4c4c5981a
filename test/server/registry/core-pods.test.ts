/**
 * Pods: defaults and admission defaults, QoS, validation with upstream's messages, graceful
 * deletion periods and the STATUS/READY/RESTARTS cells kubectl prints.
 */
import { describe, expect, it } from "vitest";
import { imageTag } from "../../../server/registry/builtin/core-pod-defaults.ts";
import { podQosClass } from "../../../server/registry/builtin/core-pod-qos.ts";
import { admitPodServiceAccount, type ServiceAccountJson } from "../../../server/registry/builtin/core-pod-service-account.ts";
import { podSummary, podTable } from "../../../server/registry/builtin/core-pod-table.ts";
import { validatePodUpdate } from "../../../server/registry/builtin/core-pod-validation.ts";
import { podGracePeriod, pods } from "../../../server/registry/builtin/core-pods.ts";
import type { KubeObject } from "../../../server/storage/object.ts";

/** A pod as a create prepares it: defaults, the strategy, and the ServiceAccount admission. */
function created(spec: Record<string, unknown>, extra: Partial<KubeObject> = {}, serviceAccount?: ServiceAccountJson): KubeObject {
  const pod: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec, ...extra };
  pods.strategy.defaults!(pod);
  pods.strategy.prepareForCreate!(pod);
  admitPodServiceAccount(pod, serviceAccount);
  return pod;
}

const messages = (pod: KubeObject) => (pods.strategy.validate!(pod) ?? []).map((c) => `${c.field}: ${c.message}`);

describe("pod defaults", () => {
  it("fills spec, container and admission defaults", () => {
    const pod = created({ containers: [{ name: "web", image: "nginx", ports: [{ containerPort: 80 }] }] });
    const spec = pod.spec as Record<string, any>;
    expect(spec).toMatchObject({
      restartPolicy: "Always",
      dnsPolicy: "ClusterFirst",
      schedulerName: "default-scheduler",
      terminationGracePeriodSeconds: 30,
      securityContext: {},
      serviceAccountName: "default",
      serviceAccount: "default",
      enableServiceLinks: true,
      priority: 0,
      preemptionPolicy: "PreemptLowerPriority",
    });
    expect(spec.containers[0]).toMatchObject({
      imagePullPolicy: "Always",
      terminationMessagePath: "/dev/termination-log",
      terminationMessagePolicy: "File",
      ports: [{ containerPort: 80, protocol: "TCP" }],
    });
    expect(spec.tolerations).toEqual([
      { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
      { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
    ]);
    expect(pod.status).toEqual({ phase: "Pending", qosClass: "BestEffort" });
  });

  it("keeps a toleration the pod already has and its own service account", () => {
    const pod = created({ serviceAccountName: "builder", tolerations: [{ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 5 }], containers: [{ name: "a", image: "x:1" }] });
    const spec = pod.spec as Record<string, any>;
    expect(spec.serviceAccountName).toBe("builder");
    expect(spec.tolerations.map((t: any) => `${t.key}=${t.tolerationSeconds}`)).toEqual(["node.kubernetes.io/not-ready=5", "node.kubernetes.io/unreachable=300"]);
  });

  it("picks the pull policy from the tag", () => {
    expect(imageTag("nginx")).toBe("latest");
    expect(imageTag("nginx:1.27")).toBe("1.27");
    expect(imageTag("localhost:5000/app")).toBe("latest");
    expect(imageTag("localhost:5000/app:v2")).toBe("v2");
    expect(imageTag("nginx@sha256:abc")).toBe("");
    const pod = created({ containers: [{ name: "a", image: "nginx:1.27" }, { name: "b", image: "nginx:latest" }] });
    expect((pod.spec as any).containers.map((c: any) => c.imagePullPolicy)).toEqual(["IfNotPresent", "Always"]);
  });

  it("defaults requests to limits, volumes and probes", () => {
    const pod = created({
      containers: [{ name: "a", image: "x:1", resources: { limits: { cpu: "1", memory: "1Gi" } }, livenessProbe: { httpGet: { port: 8080 } } }],
      volumes: [{ name: "scratch" }, { name: "cfg", configMap: { name: "c" } }],
    });
    const spec = pod.spec as any;
    expect(spec.containers[0].resources.requests).toEqual({ cpu: "1", memory: "1Gi" });
    expect(spec.containers[0].livenessProbe).toEqual({ httpGet: { port: 8080, path: "/", scheme: "HTTP" }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
    // The third volume is the ServiceAccount admission's kube-api-access-* (tested below).
    expect(spec.volumes.slice(0, 2)).toEqual([{ name: "scratch", emptyDir: {} }, { name: "cfg", configMap: { name: "c", defaultMode: 420 } }]);
    expect((pod.status as any).qosClass).toBe("Guaranteed");
  });

  it("mounts the ServiceAccount token volume in every container unless automountServiceAccountToken is false", () => {
    const pod = created({ initContainers: [{ name: "i", image: "x:1" }], containers: [{ name: "a", image: "x:1" }, { name: "b", image: "x:1", volumeMounts: [{ name: "own", mountPath: "/var/run/secrets/kubernetes.io/serviceaccount" }] }], volumes: [{ name: "own", emptyDir: {} }] });
    const spec = pod.spec as any;
    const volume = spec.volumes.find((v: any) => v.name.startsWith("kube-api-access-"));
    expect(volume.name).toMatch(/^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(volume.projected.sources.map((s: any) => Object.keys(s)[0])).toEqual(["serviceAccountToken", "configMap", "downwardAPI"]);
    expect(volume.projected.sources[0].serviceAccountToken).toEqual({ expirationSeconds: 3607, path: "token" });
    const mount = { name: volume.name, readOnly: true, mountPath: "/var/run/secrets/kubernetes.io/serviceaccount" };
    expect(spec.initContainers[0].volumeMounts).toEqual([mount]);
    expect(spec.containers[0].volumeMounts).toEqual([mount]);
    expect(spec.containers[1].volumeMounts.map((m: any) => m.name)).toEqual(["own"]);
    const off = created({ automountServiceAccountToken: false, containers: [{ name: "a", image: "x:1" }] });
    expect((off.spec as any).volumes ?? []).toEqual([]);
  });

  it("takes automountServiceAccountToken from the ServiceAccount unless the pod says, and its imagePullSecrets unless the pod names some", () => {
    // A fresh spec each time: a create changes the pod it is given.
    const container = () => ({ containers: [{ name: "a", image: "x:1" }] });
    const tokenVolumes = (pod: KubeObject) => ((pod.spec as any).volumes ?? []).filter((v: any) => v.name.startsWith("kube-api-access-")).length;
    expect(tokenVolumes(created(container(), {}, { automountServiceAccountToken: false }))).toBe(0);
    expect(tokenVolumes(created({ ...container(), automountServiceAccountToken: true }, {}, { automountServiceAccountToken: false }))).toBe(1);
    expect(tokenVolumes(created({ ...container(), automountServiceAccountToken: false }, {}, { automountServiceAccountToken: true }))).toBe(0);
    expect(tokenVolumes(created(container(), {}, {}))).toBe(1);
    const sa = { imagePullSecrets: [{ name: "regcred" }, { name: "" }, { name: "other" }] };
    expect((created(container(), {}, sa).spec as any).imagePullSecrets).toEqual([{ name: "regcred" }, { name: "other" }]);
    expect((created({ ...container(), imagePullSecrets: [{ name: "own" }] }, {}, sa).spec as any).imagePullSecrets).toEqual([{ name: "own" }]);
    const mirror = created(container(), { metadata: { name: "p", namespace: "default", annotations: { "kubernetes.io/config.mirror": "x" } } }, sa);
    expect((mirror.spec as any).imagePullSecrets).toBeUndefined();
    expect(tokenVolumes(mirror)).toBe(0);
  });
});

describe("QoS class", () => {
  const c = (resources: unknown) => ({ name: "c", image: "i", resources });
  it("follows upstream's rules", () => {
    expect(podQosClass({ containers: [c(undefined)] })).toBe("BestEffort");
    expect(podQosClass({ containers: [c({ requests: { "nvidia.com/gpu": "1" } })] })).toBe("BestEffort");
    expect(podQosClass({ containers: [c({ requests: { cpu: "0" } })] })).toBe("BestEffort");
    expect(podQosClass({ containers: [c({ requests: { cpu: "100m" } })] })).toBe("Burstable");
    expect(podQosClass({ containers: [c({ requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1000m", memory: "1024Mi" } })] })).toBe("Guaranteed");
    expect(podQosClass({ containers: [c({ requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } })] })).toBe("Burstable");
    expect(podQosClass({ containers: [c({ limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "1", memory: "1Gi" } }), c({ limits: { cpu: "1" }, requests: { cpu: "1" } })] })).toBe("Burstable");
  });
});

describe("pod validation", () => {
  it("reports the essentials with upstream's fields and messages", () => {
    const pod = created({
      restartPolicy: "Sometimes",
      containers: [
        { name: "Web", image: "", ports: [{ containerPort: 70000 }], volumeMounts: [{ name: "missing", mountPath: "/m" }] },
        { name: "side", image: "x:1" },
        { name: "side", image: "x:1" },
      ],
      volumes: [{ name: "v", emptyDir: {} }, { name: "v", emptyDir: {} }],
    });
    const got = messages(pod);
    expect(got).toContain('spec.containers[0].name: Invalid value: "Web": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character (e.g. \'my-name\',  or \'123-abc\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?\')');
    expect(got).toContain("spec.containers[0].image: Required value");
    expect(got).toContain("spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive");
    expect(got).toContain('spec.containers[0].volumeMounts[0].name: Not found: "missing"');
    expect(got).toContain('spec.containers[2].name: Duplicate value: "side"');
    expect(got).toContain('spec.volumes[1].name: Duplicate value: "v"');
    expect(got).toContain('spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"');
  });

  it("requires containers", () => {
    expect(messages(created({}))).toContain("spec.containers: Required value");
  });

  it("checks requests against limits", () => {
    const pod = created({ containers: [{ name: "a", image: "x:1", resources: { requests: { cpu: "2" }, limits: { cpu: "1" } } }] });
    expect(messages(pod)).toContain('spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1');
  });

  it("lets updates change only what upstream allows", () => {
    const old = created({ containers: [{ name: "a", image: "x:1" }] });
    const next = structuredClone(old);
    (next.spec as any).containers[0].image = "x:2";
    (next.spec as any).activeDeadlineSeconds = 60;
    (next.spec as any).tolerations.push({ key: "k", operator: "Exists", effect: "NoSchedule" });
    expect(validatePodUpdate(next, old)).toEqual([]);

    const bad = structuredClone(old);
    (bad.spec as any).restartPolicy = "Never";
    const causes = validatePodUpdate(bad, old);
    expect(causes[0].field).toBe("spec");
    expect(causes[0].message).toMatch(/^Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`/);
    expect(causes[0].message).toContain("spec.restartPolicy");

    const bound = structuredClone(old);
    (bound.spec as any).nodeName = "n1";
    expect(validatePodUpdate(bound, old).length).toBe(1);
    expect(validatePodUpdate(bound, old, true)).toEqual([]);

    const removed = structuredClone(old);
    (removed.spec as any).tolerations = [];
    expect(validatePodUpdate(removed, old).map((c) => c.field)).toContain("spec.tolerations");
  });
});

describe("pod grace period", () => {
  it("deletes unscheduled and finished pods at once", () => {
    const pod = created({ containers: [{ name: "a", image: "x:1" }] });
    expect(podGracePeriod(pod, undefined)).toBe(0);
    expect(podGracePeriod(pod, 10)).toBe(0);
    (pod.spec as any).nodeName = "n1";
    expect(podGracePeriod(pod, undefined)).toBe(30);
    expect(podGracePeriod(pod, 5)).toBe(5);
    expect(podGracePeriod(pod, -3)).toBe(1);
    (pod.status as any).phase = "Succeeded";
    expect(podGracePeriod(pod, undefined)).toBe(0);
  });
});

describe("pod table", () => {
  const now = Date.parse("2025-01-01T00:10:00Z");
  const pod = (status: Record<string, unknown>, spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): KubeObject => ({
    metadata: { name: "p", creationTimestamp: "2025-01-01T00:00:00Z", ...metadata },
    spec: { containers: [{ name: "a" }, { name: "b" }], ...spec },
    status,
  });
  const running = { running: { startedAt: "2025-01-01T00:00:05Z" } };

  it("shows Pending, ContainerCreating and Running", () => {
    expect(podSummary(pod({ phase: "Pending" }), now)).toEqual({ ready: "0/2", status: "Pending", restarts: "0" });
    expect(podSummary(pod({ phase: "Pending", containerStatuses: [{ name: "a", state: { waiting: { reason: "ContainerCreating" } } }] }), now).status).toBe("ContainerCreating");
    const ok = pod({ phase: "Running", containerStatuses: [{ name: "a", ready: true, state: running }, { name: "b", ready: true, state: running }] });
    expect(podSummary(ok, now)).toEqual({ ready: "2/2", status: "Running", restarts: "0" });
  });

  it("shows restarts with their age and CrashLoopBackOff", () => {
    const p = pod({
      phase: "Running",
      containerStatuses: [
        { name: "a", ready: true, state: running, restartCount: 0 },
        { name: "b", ready: false, restartCount: 5, state: { waiting: { reason: "CrashLoopBackOff" } }, lastState: { terminated: { exitCode: 1, finishedAt: "2025-01-01T00:05:00Z" } } },
      ],
    });
    expect(podSummary(p, now)).toEqual({ ready: "1/2", status: "CrashLoopBackOff", restarts: "5 (5m ago)" });
  });

  it("shows Completed, Error and exit codes", () => {
    expect(podSummary(pod({ phase: "Succeeded", containerStatuses: [{ name: "a", state: { terminated: { exitCode: 0, reason: "Completed" } } }] }, { containers: [{ name: "a" }] }), now).status).toBe("Completed");
    expect(podSummary(pod({ phase: "Failed", containerStatuses: [{ name: "a", state: { terminated: { exitCode: 1, reason: "Error" } } }] }, { containers: [{ name: "a" }] }), now).status).toBe("Error");
    expect(podSummary(pod({ phase: "Failed", containerStatuses: [{ name: "a", state: { terminated: { exitCode: 137 } } }] }, { containers: [{ name: "a" }] }), now).status).toBe("ExitCode:137");
  });

  it("shows init progress and sidecars", () => {
    const spec = { initContainers: [{ name: "i1" }, { name: "i2" }] };
    expect(podSummary(pod({ phase: "Pending", initContainerStatuses: [{ name: "i1", state: { running: {} } }, { name: "i2", state: { waiting: { reason: "PodInitializing" } } }] }, spec), now).status).toBe("Init:0/2");
    expect(podSummary(pod({ phase: "Pending", initContainerStatuses: [{ name: "i1", state: { terminated: { exitCode: 0 } } }, { name: "i2", state: { running: {} } }] }, spec), now).status).toBe("Init:1/2");
    expect(podSummary(pod({ phase: "Pending", initContainerStatuses: [{ name: "i1", state: { waiting: { reason: "ImagePullBackOff" } } }] }, spec), now).status).toBe("Init:ImagePullBackOff");
    expect(podSummary(pod({ phase: "Pending", initContainerStatuses: [{ name: "i1", state: { terminated: { exitCode: 2, reason: "Error" } } }] }, spec), now).status).toBe("Init:Error");
    const sidecar = pod(
      { phase: "Running", initContainerStatuses: [{ name: "s", started: true, ready: true, state: running }], containerStatuses: [{ name: "a", ready: true, state: running }] },
      { initContainers: [{ name: "s", restartPolicy: "Always" }], containers: [{ name: "a" }] },
    );
    expect(podSummary(sidecar, now)).toEqual({ ready: "2/2", status: "Running", restarts: "0" });
  });

  it("shows Terminating for a deleting pod that has not finished", () => {
    expect(podSummary(pod({ phase: "Running" }, {}, { deletionTimestamp: "2025-01-01T00:09:00Z" }), now).status).toBe("Terminating");
    expect(podSummary(pod({ phase: "Succeeded" }, {}, { deletionTimestamp: "2025-01-01T00:09:00Z" }), now).status).toBe("Succeeded");
    expect(podSummary(pod({ phase: "Running", reason: "NodeLost" }, {}, { deletionTimestamp: "2025-01-01T00:09:00Z" }), now).status).toBe("Unknown");
  });

  it("has kubectl's columns and wide cells", () => {
    expect(podTable.columns.map((c) => `${c.name}:${c.priority}`)).toEqual(["Name:0", "Ready:0", "Status:0", "Restarts:0", "Age:0", "IP:1", "Node:1", "Nominated Node:1", "Readiness Gates:1"]);
    const cells = podTable.cells(pod({ phase: "Running", podIPs: [{ ip: "10.42.0.5" }], conditions: [{ type: "x", status: "True" }] }, { nodeName: "n1", readinessGates: [{ conditionType: "x" }, { conditionType: "y" }] }));
    expect(cells.slice(5)).toEqual(["10.42.0.5", "n1", "<none>", "1/2"]);
  });
});
