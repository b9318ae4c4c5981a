/**
 * The core/v1 kinds as kubectl 1.32 sees them on a real server: pods (create, tables, delete,
 * binding, eviction), nodes, services and events.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { handlePodBinding } from "../../../server/api/handlers/pod-binding.ts";
import { handlePodEviction } from "../../../server/api/handlers/pod-eviction.ts";
import { startTestServer, type TestServer } from "../harness.ts";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ subresources: { "pods/binding": handlePodBinding, "pods/eviction": handlePodEviction } });
});
afterAll(async () => {
  await t?.stop();
});

const ok = (...args: string[]): Promise<string> => t.kubectlOk(...args);

async function file(name: string, text: string): Promise<string> {
  const path = join(t.dir, name);
  await writeFile(path, text);
  return path;
}

const podYaml = (name: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: default, labels: {app: web}}
spec:
  containers:
  - name: web
    image: nginx:1.27
    ports: [{containerPort: 80}]
    resources: {limits: {cpu: 500m, memory: 128Mi}}
`;

function bind(pod: string, node: string) {
  return t.request("POST", `/api/v1/namespaces/default/pods/${pod}/binding`, {
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ apiVersion: "v1", kind: "Binding", metadata: { name: pod }, target: { apiVersion: "v1", kind: "Node", name: node } }),
  });
}

describe("pods with kubectl", () => {
  it("creates a pod from YAML (without and with client-side validation) with upstream's defaults", async () => {
    expect(await ok("create", "--validate=false", "-f", await file("web.yaml", podYaml("web")))).toBe("pod/web created");
    expect(await ok("create", "-f", await file("web2.yaml", podYaml("web2")))).toBe("pod/web2 created");
    const pod = JSON.parse(await ok("get", "pod", "web", "-o", "json"));
    expect(pod.status).toEqual({ phase: "Pending", qosClass: "Guaranteed" });
    expect(pod.spec.containers[0]).toMatchObject({ imagePullPolicy: "IfNotPresent", resources: { requests: { cpu: "500m", memory: "128Mi" } }, ports: [{ containerPort: 80, protocol: "TCP" }] });
    expect(pod.spec).toMatchObject({ restartPolicy: "Always", serviceAccountName: "default", terminationGracePeriodSeconds: 30, priority: 0 });
    expect(pod.spec.tolerations).toHaveLength(2);
  });

  it("prints kubectl's pod columns, wide too", async () => {
    const table = await ok("get", "pods", "web");
    expect(table).toMatch(/^NAME +READY +STATUS +RESTARTS +AGE\nweb +0\/1 +Pending +0 +\d+s$/);
    const wide = await ok("get", "pods", "web", "-o", "wide");
    expect(wide).toMatch(/^NAME +READY +STATUS +RESTARTS +AGE +IP +NODE +NOMINATED NODE +READINESS GATES\nweb +0\/1 +Pending +0 +\d+s +<none> +<none> +<none> +<none>$/);
    expect(await ok("get", "po", "-l", "app=web", "-o", "name")).toBe("pod/web\npod/web2");
  });

  it("refuses bad pods with upstream's message", async () => {
    const bad = await file("bad.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: bad, namespace: default}\nspec:\n  containers: [{name: Bad, image: x}]\n");
    const r = await t.kubectl("create", "--validate=false", "-f", bad);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('The Pod "bad" is invalid: spec.containers[0].name: Invalid value: "Bad"');
    const change = await t.kubectl("patch", "pod", "web", "--type", "merge", "-p", '{"spec":{"restartPolicy":"Never"}}');
    expect(change.code).not.toBe(0);
    expect(change.stderr).toContain("pod updates may not change fields other than");
    expect(await ok("patch", "pod", "web", "--type", "json", "-p", '[{"op":"replace","path":"/spec/containers/0/image","value":"nginx:1.28"}]')).toBe("pod/web patched");
  });

  it("deletes an unscheduled pod at once", async () => {
    expect(await ok("delete", "pod", "web2")).toBe('pod "web2" deleted');
    const gone = await t.kubectl("get", "pod", "web2");
    expect(gone.stderr).toContain('pods "web2" not found');
  });

  it("binds a pod to a node through pods/binding", async () => {
    const res = await bind("web", "n1");
    expect(res.status).toBe(201);
    expect(JSON.parse(res.body.toString())).toMatchObject({ kind: "Status", status: "Success" });
    expect(await ok("get", "pod", "web", "-o", "jsonpath={.spec.nodeName} {.status.conditions[0].type}={.status.conditions[0].status} {.status.phase}")).toBe("n1 PodScheduled=True Pending");
    const again = await bind("web", "n2");
    expect(again.status).toBe(409);
    expect(JSON.parse(again.body.toString()).message).toBe('Operation cannot be fulfilled on pods/binding "web": pod web is already assigned to node "n1"');
    const missing = await bind("nope", "n1");
    expect(missing.status).toBe(404);
    expect(await ok("get", "pods", "web", "-o", "wide")).toMatch(/\nweb +0\/1 +Pending +0 +\d+s +<none> +n1 +<none> +<none>$/);
  });

  it("deletes a scheduled pod gracefully: Terminating until forced", async () => {
    expect(await ok("delete", "pod", "web", "--wait=false")).toBe('pod "web" deleted');
    const pod = JSON.parse(await ok("get", "pod", "web", "-o", "json"));
    expect(pod.metadata.deletionGracePeriodSeconds).toBe(30);
    expect(await ok("get", "pod", "web", "--no-headers")).toMatch(/^web +0\/1 +Terminating/);
    await ok("delete", "pod", "web", "--grace-period=0", "--force");
    expect((await t.kubectl("get", "pod", "web")).code).not.toBe(0);
  });

  it("evicts a pod through pods/eviction", async () => {
    await ok("create", "-f", await file("evict.yaml", podYaml("evictee")));
    const res = await t.request("POST", "/api/v1/namespaces/default/pods/evictee/eviction", {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ apiVersion: "policy/v1", kind: "Eviction", metadata: { name: "evictee", namespace: "default" } }),
    });
    expect(res.status).toBe(201);
    expect((await t.kubectl("get", "pod", "evictee")).code).not.toBe(0);
  });
});

describe("nodes, services and events with kubectl", () => {
  it("prints the nodes table from a Node created with its status", async () => {
    const node = await file("node.yaml", `apiVersion: v1
kind: Node
metadata: {name: n1, labels: {node-role.kubernetes.io/control-plane: "true", node-role.kubernetes.io/master: "true"}}
spec: {podCIDR: 10.42.0.0/24}
status:
  conditions: [{type: Ready, status: "True", reason: KubeletReady, message: ok, lastHeartbeatTime: "2025-01-01T00:00:00Z", lastTransitionTime: "2025-01-01T00:00:00Z"}]
  addresses: [{type: InternalIP, address: 192.168.1.10}, {type: Hostname, address: n1}]
  nodeInfo: {kubeletVersion: v1.32.0+k3ts, osImage: Debian GNU/Linux 12, kernelVersion: 6.1.0, containerRuntimeVersion: "containerd://1.7.0", architecture: amd64, operatingSystem: linux, bootID: "", kubeProxyVersion: "", machineID: "", systemUUID: ""}
  capacity: {cpu: "4", memory: 8Gi, pods: "110"}
`);
    expect(await ok("create", "-f", node)).toBe("node/n1 created");
    expect(await ok("get", "nodes")).toMatch(/^NAME +STATUS +ROLES +AGE +VERSION\nn1 +Ready +control-plane,master +\d+s +v1\.32\.0\+k3ts$/);
    expect(await ok("get", "no", "-o", "wide")).toMatch(/INTERNAL-IP +EXTERNAL-IP +OS-IMAGE +KERNEL-VERSION +CONTAINER-RUNTIME\nn1 .* 192\.168\.1\.10 +<none> +Debian GNU\/Linux 12 +6\.1\.0 +containerd:\/\/1\.7\.0$/);
    expect(await ok("get", "node", "n1", "-o", "jsonpath={.spec.podCIDRs} {.status.allocatable.cpu}")).toBe('["10.42.0.0/24"] 4');
    await ok("cordon", "n1");
    expect(await ok("get", "node", "n1", "--no-headers")).toMatch(/^n1 +Ready,SchedulingDisabled /);
  });

  it("prints services with their ports and defaults them", async () => {
    const svc = await file("svc.yaml", `apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  type: NodePort
  clusterIP: 10.43.0.10
  selector: {app: web}
  ports: [{port: 80, nodePort: 30080}]
`);
    expect(await ok("create", "-f", svc)).toBe("service/web created");
    expect(await ok("get", "svc", "web", "-o", "wide")).toMatch(/^NAME +TYPE +CLUSTER-IP +EXTERNAL-IP +PORT\(S\) +AGE +SELECTOR\nweb +NodePort +10\.43\.0\.10 +<none> +80:30080\/TCP +\d+s +app=web$/);
    const spec = JSON.parse(await ok("get", "svc", "web", "-o", "json")).spec;
    expect(spec).toMatchObject({ sessionAffinity: "None", externalTrafficPolicy: "Cluster", internalTrafficPolicy: "Cluster", ipFamilyPolicy: "SingleStack", ipFamilies: ["IPv4"], clusterIPs: ["10.43.0.10"] });
    expect(spec.ports[0]).toEqual({ port: 80, nodePort: 30080, protocol: "TCP", targetPort: 80 });
    const bad = await t.kubectl("create", "service", "clusterip", "bad", "--tcp=70000:80");
    expect(bad.code).not.toBe(0);
  });

  it("prints events and serves them through events.k8s.io too", async () => {
    const ev = await file("ev.yaml", `apiVersion: v1
kind: Event
metadata: {name: web.1, namespace: default}
involvedObject: {kind: Pod, name: web, namespace: default}
reason: Scheduled
message: Successfully assigned default/web to n1
type: Normal
source: {component: default-scheduler}
firstTimestamp: "2025-01-01T00:00:00Z"
lastTimestamp: "2025-01-01T00:00:00Z"
count: 1
`);
    expect(await ok("create", "-f", ev)).toBe("event/web.1 created");
    expect(await ok("get", "events")).toMatch(/^LAST SEEN +TYPE +REASON +OBJECT +MESSAGE\n\S+ +Normal +Scheduled +pod\/web +Successfully assigned default\/web to n1$/);
    expect(await ok("get", "events.v1.events.k8s.io", "web.1", "-o", "jsonpath={.note}|{.regarding.name}|{.deprecatedSource.component}")).toBe("Successfully assigned default/web to n1|web|default-scheduler");
  });
});
