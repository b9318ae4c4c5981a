import { describe, expect, it } from "vitest";
import { RUN_TO_COMPLETION_ANNOTATION, type ContainerConfig, type PodSandboxConfig } from "../../agent/runtime/mod.ts";
import { FakeRuntime } from "../../agent/runtime/fake/runtime.ts";
import { HostLocalIpam } from "../../agent/runtime/fake/ipam.ts";
import { normalizeImageName } from "../../agent/runtime/image-names.ts";

function sandbox(name: string, annotations: Record<string, string> = {}): PodSandboxConfig {
  return { metadata: { name, namespace: "default", uid: `uid-${name}`, attempt: 0 }, labels: {}, annotations };
}

function container(name: string, runToCompletion: boolean, image = "busybox:local"): ContainerConfig {
  return { metadata: { name, attempt: 0 }, image: { image }, command: ["sh", "-c", "echo hi"], labels: {}, annotations: { [RUN_TO_COMPLETION_ANNOTATION]: String(runToCompletion) } };
}

async function waitFor<T>(check: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("condition not reached");
}

async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

describe("host-local IPAM", () => {
  it("skips network, gateway and broadcast, continues after the last address and reuses released ones later", () => {
    const ipam = new HostLocalIpam("10.42.3.0/30");
    expect(ipam.gateway).toBe("10.42.3.1");
    expect(ipam.allocate("a")).toBe("10.42.3.2");
    expect(() => ipam.allocate("b")).toThrow(/no IP addresses available/);
    ipam.release("10.42.3.2");
    expect(ipam.allocate("c")).toBe("10.42.3.2");
    const big = new HostLocalIpam("10.42.0.0/24");
    const first = big.allocate("x");
    const second = big.allocate("y");
    big.release(first);
    expect([first, second]).toEqual(["10.42.0.2", "10.42.0.3"]);
    expect(big.allocate("z")).toBe("10.42.0.4");
  });

  it("refuses what it cannot serve", () => {
    expect(() => new HostLocalIpam("fd00::/64")).toThrow(/IPv4/);
  });
});

describe("image names", () => {
  it("normalizes as containerd does", () => {
    expect(normalizeImageName("busybox:local")).toBe("docker.io/library/busybox:local");
    expect(normalizeImageName("nginx")).toBe("docker.io/library/nginx:latest");
    expect(normalizeImageName("rancher/pause:3.6")).toBe("docker.io/rancher/pause:3.6");
    expect(normalizeImageName("localhost:5000/app")).toBe("localhost:5000/app:latest");
  });
});

describe("fake runtime", () => {
  it("waits for a pod CIDR before it can network sandboxes", async () => {
    const rt = new FakeRuntime();
    expect((await rt.status()).conditions.find((c) => c.type === "NetworkReady")?.status).toBe(false);
    await expect(rt.runPodSandbox(sandbox("a"))).rejects.toThrow(/pod CIDR/);
    await rt.updateRuntimeConfig({ networkConfig: { podCidr: "10.42.7.0/24" } });
    expect((await rt.status()).conditions.every((c) => c.status)).toBe(true);
    const id = await rt.runPodSandbox(sandbox("a"));
    expect((await rt.podSandboxStatus(id)).network?.ip).toBe("10.42.7.2");
    await rt.close();
  });

  it("runs containers until stopped, completes run-to-completion ones, and logs a start line", async () => {
    const rt = new FakeRuntime({ completionMs: 20, preloadedImages: ["busybox:local"] });
    await rt.updateRuntimeConfig({ networkConfig: { podCidr: "10.42.0.0/24" } });
    const sb = await rt.runPodSandbox(sandbox("p"));
    const forever = await rt.createContainer(sb, container("server", false), sandbox("p"));
    const once = await rt.createContainer(sb, container("job", true), sandbox("p"));
    await rt.startContainer(forever);
    await rt.startContainer(once);
    const done = await waitFor(async () => {
      const s = await rt.containerStatus(once);
      return s.state === "CONTAINER_EXITED" ? s : undefined;
    });
    expect(done.exitCode).toBe(0);
    expect(done.reason).toBe("Completed");
    expect((await rt.containerStatus(forever)).state).toBe("CONTAINER_RUNNING");
    expect(await text(await rt.logs(forever))).toMatch(/container server started from busybox:local: sh -c echo hi/);
    await rt.stopContainer(forever, 30);
    expect((await rt.containerStatus(forever)).exitCode).toBe(143);
    await rt.close();
  });

  it("injects exit codes and pull failures from annotations", async () => {
    const rt = new FakeRuntime({ completionMs: 1000 });
    await rt.updateRuntimeConfig({ networkConfig: { podCidr: "10.42.0.0/24" } });
    const config = sandbox("bad", { "k3ts.io/fake-exit-code": "3", "k3ts.io/fake-run-seconds": "0.01" });
    const sb = await rt.runPodSandbox(config);
    await expect(rt.createContainer(sb, container("c", false, "nginx:1.27"), config)).rejects.toThrow(/not found/);
    await rt.pullImage({ image: "nginx:1.27" });
    const id = await rt.createContainer(sb, container("c", false, "nginx:1.27"), config);
    await rt.startContainer(id);
    const s = await waitFor(async () => {
      const st = await rt.containerStatus(id);
      return st.state === "CONTAINER_EXITED" ? st : undefined;
    });
    expect([s.exitCode, s.reason]).toEqual([3, "Error"]);
    expect(s.imageRef).toMatch(/^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
    await expect(rt.pullImage({ image: "x:1" }, undefined, sandbox("y", { "k3ts.io/fake-image-pull-error": "no such registry" }))).rejects.toThrow(/no such registry/);
    await rt.close();
  });

  it("publishes container events and frees the IP when the sandbox stops", async () => {
    const rt = new FakeRuntime({ preloadedImages: ["busybox:local"] });
    await rt.updateRuntimeConfig({ networkConfig: { podCidr: "10.42.0.0/24" } });
    const abort = new AbortController();
    const seen: string[] = [];
    const following = (async () => {
      for await (const e of rt.containerEvents(abort.signal)) seen.push(e.type);
    })();
    const sb = await rt.runPodSandbox(sandbox("p"));
    const id = await rt.createContainer(sb, container("c", false), sandbox("p"));
    await rt.startContainer(id);
    await rt.stopPodSandbox(sb);
    await rt.removePodSandbox(sb);
    await new Promise((r) => setTimeout(r, 10));
    abort.abort();
    await following;
    expect(seen).toEqual(["CONTAINER_CREATED_EVENT", "CONTAINER_STARTED_EVENT", "CONTAINER_STOPPED_EVENT", "CONTAINER_DELETED_EVENT"]);
    expect(await rt.listPodSandbox()).toEqual([]);
    const again = await rt.runPodSandbox(sandbox("q"));
    expect((await rt.podSandboxStatus(again)).network?.ip).toBe("10.42.0.3");
    await rt.close();
  });
});
