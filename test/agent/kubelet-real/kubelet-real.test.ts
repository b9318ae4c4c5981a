/**
 * The kubelet on real busybox containers (containerd as root): env from ConfigMaps, Secrets and
 * the downward API; configMap, secret, emptyDir and the ServiceAccount token volumes (and their
 * updates); hostname; an httpGet readiness probe against busybox httpd in the pod (traffic to
 * the pod's own IP, on the test's bridge); a liveness exec probe that restarts; OOMKilled at
 * 32Mi; preStop before TERM; and a kubelet restart that adopts the running containers.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pod } from "../../../agent/kubelet/types.ts";
import type { Client, KubeObject, ResourceClient } from "../../../plugins/client.ts";
import { eventually } from "../../server/controllers/run-controllers.ts";
import { startTestServer, type TestServer } from "../../server/harness.ts";
import { NODE, type RealKubelet, RealNode, skipReason } from "./harness.ts";

if (skipReason) console.warn(`kubelet-real tests skipped: ${skipReason}`);

const NS = "default";
const PODS = { apiVersion: "v1", resource: "pods" };
const TOKEN_TTL_MS = 5_000;

/**
 * The API's client, with TokenRequest answers that say the token expires in 5 s (the server's
 * minimum is 10 minutes): the kubelet must then refresh it after 4 s.
 */
function shortTokens(client: Client): Client {
  return {
    informer: (type, options) => client.informer(type, options),
    resource<T extends KubeObject>(type: { apiVersion: string; resource: string }): ResourceClient<T> {
      const inner = client.resource<T>(type);
      if (type.resource !== "serviceaccounts") return inner;
      return new Proxy(inner, {
        get(target, prop, receiver) {
          if (prop !== "createSubresource") {
            const v = Reflect.get(target, prop, receiver);
            return typeof v === "function" ? v.bind(target) : v;
          }
          return async (name: string, sub: string, body: KubeObject, ns?: string) => {
            const answer = await target.createSubresource(name, sub, body, ns);
            if (sub === "token") (answer.status as { expirationTimestamp: string }).expirationTimestamp = new Date(Date.now() + TOKEN_TTL_MS).toISOString();
            return answer;
          };
        },
      });
    },
  };
}

describe.skipIf(skipReason !== "")("kubelet on real containers", { timeout: 60_000 }, () => {
  let t: TestServer;
  let node: RealNode;
  let kubelet: RealKubelet;
  let client: Client;

  beforeAll(async () => {
    t = await startTestServer();
    node = new RealNode();
    await node.start();
    client = shortTokens(t.server.client.as("kubelet"));
    const admin = t.server.client;
    // What controllers would make: the default ServiceAccount and the root CA ConfigMap.
    await admin.resource({ apiVersion: "v1", resource: "serviceaccounts" }).create({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: NS } }).catch(() => {});
    await admin.resource({ apiVersion: "v1", resource: "configmaps" }).create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "kube-root-ca.crt", namespace: NS }, data: { "ca.crt": "TEST-CA" } } as KubeObject).catch(() => {});
    await admin.resource({ apiVersion: "v1", resource: "configmaps" }).create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg", namespace: NS }, data: { greeting: "hi", "file.txt": "content" } } as KubeObject);
    await admin.resource({ apiVersion: "v1", resource: "secrets" }).create({ apiVersion: "v1", kind: "Secret", metadata: { name: "sec", namespace: NS }, stringData: { password: "s3cret" } } as KubeObject);
    kubelet = await node.kubelet(client, { volumeResyncMs: 1000 });
  }, 120_000);

  afterAll(async () => {
    kubelet?.stop();
    await node?.stop();
    await t?.stop();
  }, 120_000);

  const pods = () => t.server.client.resource<Pod>(PODS);

  function create(name: string, spec: Partial<Pod["spec"]>, labels: Record<string, string> = {}): Promise<Pod> {
    return pods().create({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: NS, labels }, spec: { nodeName: NODE, terminationGracePeriodSeconds: 5, containers: [], ...spec } });
  }

  function podWhere(name: string, check: (p: Pod) => boolean, what: string, ms = 45_000): Promise<Pod> {
    return eventually(async () => {
      const p = await pods().get(name, NS);
      return p && check(p) ? p : undefined;
    }, what, ms);
  }

  const ready = (p: Pod) => p.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
  const containerId = (p: Pod, name: string) => p.status?.containerStatuses?.find((c) => c.name === name)?.containerID?.replace(/^containerd:\/\//, "") ?? "";

  async function sh(id: string, script: string): Promise<string> {
    const r = await node.runtime.execSync(id, ["sh", "-c", script], 10);
    return new TextDecoder().decode(r.stdout).trim();
  }

  const busybox = { image: "busybox:local", imagePullPolicy: "Never" as const };

  it("runs a pod with env, volumes, an init container, the token, its hostname and an httpGet readiness probe", async () => {
    await create("full", {
      initContainers: [{ name: "init", ...busybox, command: ["sh", "-c", "echo from-init > /data/init.txt"], volumeMounts: [{ name: "work", mountPath: "/data" }] }],
      containers: [{
        name: "main",
        ...busybox,
        command: ["sh", "-c", "mkdir -p /www; echo served-by-pod > /www/index.html; exec httpd -f -p 8080 -h /www"],
        env: [
          { name: "GREETING", valueFrom: { configMapKeyRef: { name: "cfg", key: "greeting" } } },
          { name: "PASSWORD", valueFrom: { secretKeyRef: { name: "sec", key: "password" } } },
          { name: "MISSING", valueFrom: { configMapKeyRef: { name: "cfg", key: "nope", optional: true } } },
          { name: "MY_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
          { name: "MY_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
          { name: "MY_APP", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
          { name: "MEM_LIMIT", valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } } },
          { name: "COMBINED", value: "$(GREETING)-$(MY_NAME)-$$(KEPT)" },
        ],
        envFrom: [{ prefix: "CFG_", configMapRef: { name: "cfg" } }],
        resources: { limits: { memory: "64Mi", cpu: "500m" } },
        ports: [{ name: "http", containerPort: 8080 }],
        readinessProbe: { httpGet: { path: "/index.html", port: "http" }, periodSeconds: 1 },
        volumeMounts: [
          { name: "work", mountPath: "/data" },
          { name: "cfgvol", mountPath: "/etc/cfg" },
          { name: "secvol", mountPath: "/etc/sec" },
          { name: "cfgvol", mountPath: "/etc/one.txt", subPath: "file.txt" },
        ],
      }],
      volumes: [
        { name: "work", emptyDir: {} },
        { name: "cfgvol", configMap: { name: "cfg" } },
        { name: "secvol", secret: { secretName: "sec", defaultMode: 0o400 } },
      ],
    }, { app: "full" });
    const pod = await podWhere("full", ready, "pod full Ready");
    const id = containerId(pod, "main");
    expect(await sh(id, "cat /data/init.txt")).toBe("from-init");
    expect(await sh(id, "echo $GREETING $PASSWORD $MY_NAME $MY_APP $MEM_LIMIT ${MISSING:-unset}")).toBe("hi s3cret full full 64 unset");
    expect(await sh(id, "echo $MY_IP")).toBe(pod.status?.podIP);
    expect(pod.status?.podIP).toMatch(/^10\.214\./);
    expect(await sh(id, "echo $COMBINED")).toBe("hi-full-$(KEPT)");
    expect(await sh(id, "echo $CFG_greeting")).toBe("hi");
    expect(await sh(id, "cat /etc/cfg/file.txt; echo; cat /etc/sec/password; echo; cat /etc/one.txt")).toBe("content\ns3cret\ncontent");
    expect(await sh(id, "stat -L -c %a /etc/sec/password; stat -L -c %a /etc/cfg/greeting")).toBe("400\n644");
    expect(await sh(id, "touch /etc/cfg/x 2>/dev/null && echo writable || echo read-only")).toBe("read-only");
    expect(await sh(id, "hostname")).toBe("full");
    const resolv = await sh(id, "cat /etc/resolv.conf");
    expect(resolv).toMatch(/^nameserver 10\.214\.255\.10$/m);
    expect(resolv).toMatch(/^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local\b/m);
    expect(resolv).toMatch(/^options ndots:5$/m);
    const sa = "/var/run/secrets/kubernetes.io/serviceaccount";
    expect(await sh(id, `cat ${sa}/namespace; echo; cat ${sa}/ca.crt`)).toBe("default\nTEST-CA");
    const token = await sh(id, `cat ${sa}/token`);
    expect(token.split(".").length).toBe(3);
    const claims = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());
    expect(claims.sub).toBe("system:serviceaccount:default:default");
    expect(claims["kubernetes.io"]?.pod?.name).toBe("full");
    expect(await sh(id, "cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes")).toBe(String(64 * 1024 * 1024));
    // The ServiceAccount token is refreshed once 80% of its (here 5 s) life has passed.
    await eventually(async () => ((await sh(id, `cat ${sa}/token`)) !== token ? true : undefined), "token refreshed", 15_000);
    // ConfigMap updates reach the volume (not the env), through the ..data swap.
    await t.server.client.resource({ apiVersion: "v1", resource: "configmaps" }).patch("cfg", { data: { "file.txt": "updated" } }, { type: "merge", namespace: NS });
    await eventually(async () => ((await sh(id, "cat /etc/cfg/file.txt")) === "updated" ? true : undefined), "configMap volume updated", 15_000);
    expect(await sh(id, "readlink /etc/cfg/..data")).toMatch(/^\.\.\d{4}-/);
    expect(await sh(id, "echo $CFG_file.txt")).not.toBe("updated");
  });

  it("restarts a container whose liveness exec probe fails", async () => {
    await create("probed", { containers: [{ name: "c", ...busybox, command: ["sh", "-c", "touch /ok; sleep 3600"], livenessProbe: { exec: { command: ["test", "-f", "/ok"] }, periodSeconds: 1, failureThreshold: 2 } }] });
    const pod = await podWhere("probed", ready, "probed Ready");
    await sh(containerId(pod, "c"), "rm /ok");
    const restarted = await podWhere("probed", (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 && !!p.status?.containerStatuses?.[0]?.state.running, "liveness restart");
    expect(containerId(restarted, "c")).not.toBe(containerId(pod, "c"));
  });

  it("reports OOMKilled for a container over its 32Mi limit, in a Guaranteed pod", async () => {
    await create("oom", {
      restartPolicy: "Never",
      containers: [{ name: "c", ...busybox, command: ["sh", "-c", "head -c 300m /dev/zero | tail"], resources: { limits: { memory: "32Mi", cpu: "100m" }, requests: { memory: "32Mi", cpu: "100m" } } }],
    });
    const pod = await podWhere("oom", (p) => !!p.status?.containerStatuses?.[0]?.state.terminated, "oom terminated");
    expect(pod.status?.containerStatuses?.[0]?.state.terminated?.reason).toBe("OOMKilled");
    expect(pod.status?.containerStatuses?.[0]?.state.terminated?.exitCode).toBe(137);
    expect(pod.status?.qosClass).toBe("Guaranteed");
  });

  it("runs preStop before TERM on graceful deletion, and removes the pod's volumes", async () => {
    const hostDir = join(node.dir, "prestop");
    await create("stopper", {
      terminationGracePeriodSeconds: 10,
      containers: [{
        name: "c",
        ...busybox,
        command: ["sh", "-c", "trap 'echo term >> /out/log; exit 0' TERM; echo started > /out/log; while true; do sleep 0.2; done"],
        lifecycle: { preStop: { exec: { command: ["sh", "-c", "echo prestop >> /out/log"] } }, postStart: { exec: { command: ["sh", "-c", "echo poststart > /out/poststart"] } } },
        volumeMounts: [{ name: "out", mountPath: "/out" }, { name: "scratch", mountPath: "/scratch" }],
      }],
      volumes: [{ name: "out", hostPath: { path: hostDir, type: "DirectoryOrCreate" } }, { name: "scratch", emptyDir: { medium: "Memory" } }],
    });
    const pod = await podWhere("stopper", ready, "stopper Ready");
    const id = containerId(pod, "c");
    expect(await sh(id, "cat /out/poststart; grep -c ' /scratch tmpfs' /proc/mounts")).toBe("poststart\n1");
    await pods().delete("stopper", NS);
    await eventually(async () => ((await pods().get("stopper", NS)) ? undefined : true), "stopper gone", 30_000);
    expect(readFileSync(join(hostDir, "log"), "utf8")).toBe("started\nprestop\nterm\n");
    const podDir = join(node.dir, "data", "agent", "pods", pod.metadata.uid!);
    await eventually(async () => {
      try {
        readFileSync(join(podDir, "x"));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT" && !(await import("node:fs")).existsSync(podDir)) return true;
      }
      return undefined;
    }, "pod directory removed", 10_000);
  });

  it("adopts running containers after a kubelet restart, without restarting them", async () => {
    await create("survivor", { containers: [{ name: "c", ...busybox, command: ["sleep", "3600"], readinessProbe: { exec: { command: ["true"] }, periodSeconds: 1 } }] });
    const before = await podWhere("survivor", ready, "survivor Ready");
    kubelet.stop();
    kubelet = await node.kubelet(client, { volumeResyncMs: 1000 });
    // The new kubelet reports the same container, still running, never restarted.
    await new Promise((r) => setTimeout(r, 3000));
    const after = await podWhere("survivor", (p) => ready(p) && containerId(p, "c") === containerId(before, "c"), "survivor adopted");
    expect(after.status?.containerStatuses?.[0]?.restartCount).toBe(0);
    expect(after.status?.containerStatuses?.[0]?.state.running?.startedAt).toBe(before.status?.containerStatuses?.[0]?.state.running?.startedAt);
    const sandboxes = await node.runtime.listPodSandbox({ labelSelector: { "io.kubernetes.pod.uid": before.metadata.uid! } });
    expect(sandboxes.length).toBe(1);
  });
});
