/**
 * The containerd module's pure parts: CRI log parsing and reading, the stream protocol's exit
 * status, config rendering, tar headers, and reproducible image archives from busybox-static.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderConfig } from "../../../agent/runtime/containerd/config.ts";
import { type LogLine, parseCriLog, readCriLog } from "../../../agent/runtime/containerd/cri-logs.ts";
import { BUSYBOX_IMAGE, imageDefinitions, PAUSE_IMAGE } from "../../../agent/runtime/containerd/images.ts";
import { buildImage, familiarName } from "../../../agent/runtime/containerd/oci-image.ts";
import { exitCodeFromStatus } from "../../../agent/runtime/containerd/stream-client.ts";
import { tar } from "../../../agent/runtime/containerd/tar.ts";
import { placeholderConfig } from "../../../agent/runtime/containerd/cni-placeholder.ts";

const dir = mkdtempSync(join(tmpdir(), "k3u-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  return await new Response(stream).text();
}

describe("CRI log files", () => {
  const log = [
    "2024-01-01T00:00:01.000000001Z stdout F one",
    "2024-01-01T00:00:02.000000000Z stderr P tw",
    "2024-01-01T00:00:02.500000000Z stderr F o",
    "2024-01-01T00:00:03.000000000Z stdout F three",
    "",
  ].join("\n");

  it("joins partial records into lines", () => {
    const out: LogLine[] = [];
    const rest = parseCriLog(`${log}2024-01-01T00:00:04Z stdout F incompl`, {}, out);
    expect(out.map((l) => l.content)).toEqual(["one", "two", "three"]);
    expect(out[1]).toMatchObject({ stream: "stderr", time: "2024-01-01T00:00:02.000000000Z" });
    expect(rest).toBe("2024-01-01T00:00:04Z stdout F incompl");
  });

  it("reads with tail, since, timestamps and limitBytes", async () => {
    const path = join(dir, "0.log");
    writeFileSync(path, log);
    const notRunning = async () => false;
    expect(await text(readCriLog(path, {}, notRunning))).toBe("one\ntwo\nthree\n");
    expect(await text(readCriLog(path, { tail: 1 }, notRunning))).toBe("three\n");
    expect(await text(readCriLog(path, { since: Date.parse("2024-01-01T00:00:02Z") }, notRunning))).toBe("two\nthree\n");
    expect(await text(readCriLog(path, { timestamps: true, tail: 1 }, notRunning))).toBe("2024-01-01T00:00:03.000000000Z three\n");
    expect(await text(readCriLog(path, { limitBytes: 6 }, notRunning))).toBe("one\ntw");
    expect(await text(readCriLog(join(dir, "missing.log"), {}, notRunning))).toBe("");
  });

  it("follows a growing file until the container stops", async () => {
    const path = join(dir, "1.log");
    writeFileSync(path, "2024-01-01T00:00:01Z stdout F a\n");
    let running = true;
    const reading = text(readCriLog(path, { follow: true }, async () => running));
    await new Promise((r) => setTimeout(r, 300));
    writeFileSync(path, "2024-01-01T00:00:01Z stdout F a\n2024-01-01T00:00:02Z stdout F b\n");
    await new Promise((r) => setTimeout(r, 300));
    running = false;
    expect(await reading).toBe("a\nb\n");
  });
});

describe("stream protocol", () => {
  it("reads exit codes from the error channel's Status", () => {
    expect(exitCodeFromStatus("")).toBe(0);
    expect(exitCodeFromStatus('{"metadata":{},"status":"Success"}')).toBe(0);
    expect(exitCodeFromStatus('{"status":"Failure","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}')).toBe(3);
    expect(() => exitCodeFromStatus('{"status":"Failure","message":"executable file not found"}')).toThrow(/executable file not found/);
  });
});

describe("containerd config", () => {
  it("renders paths, the pause image, snapshotter, cgroups and the registry config path and credentials", () => {
    const toml = renderConfig({
      root: "/d/root", state: "/d/state", socket: "/d/containerd.sock", snapshotter: "native", sandboxImage: PAUSE_IMAGE,
      cniBinDir: "/usr/lib/cni", cniConfDir: "/d/net.d", systemdCgroup: false, restrictOomScoreAdj: true,
      streamAddress: "127.0.0.1", streamPort: 1234,
      registryConfigPath: "/d/certs.d", registryAuths: { "127.0.0.1:5000": { username: "u", password: "p\"w" } },
    });
    expect(toml).toContain("version = 2");
    expect(toml).toContain(`sandbox_image = "${PAUSE_IMAGE}"`);
    expect(toml).toContain(`snapshotter = "native"`);
    expect(toml).toContain("SystemdCgroup = false");
    expect(toml).toContain("restrict_oom_score_adj = true");
    expect(toml).toContain(`[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/d/certs.d"`);
    expect(toml).toContain(`[plugins."io.containerd.grpc.v1.cri".registry.configs."127.0.0.1:5000".auth]\n  username = "u"\n  password = "p\\"w"`);
    expect(toml).not.toContain("registry.mirrors");
    expect(toml).toContain(`conf_dir = "/d/net.d"`);
  });

  it("writes a bridge + host-local + portmap placeholder CNI config", () => {
    const conf = JSON.parse(placeholderConfig("10.42.3.0/24", "/d/ipam"));
    expect(conf.plugins.map((p: { type: string }) => p.type)).toEqual(["bridge", "portmap"]);
    expect(conf.plugins[0].ipam).toMatchObject({ type: "host-local", ranges: [[{ subnet: "10.42.3.0/24" }]], dataDir: "/d/ipam" });
  });
});

describe("image archives", () => {
  it("writes ustar entries that tar lists", () => {
    const archive = tar([
      { type: "dir", path: "a", mode: 0o755 },
      { type: "file", path: "a/b.txt", mode: 0o644, data: new TextEncoder().encode("hi\n") },
      { type: "symlink", path: "a/c", target: "/a/b.txt" },
      { type: "file", path: `${"d".repeat(90)}/${"e".repeat(60)}`, mode: 0o600, data: new Uint8Array(0) },
    ], 0);
    const file = join(dir, "t.tar");
    writeFileSync(file, archive);
    const listing = spawnSync("tar", ["tvf", file], { encoding: "utf8" });
    expect(listing.status).toBe(0);
    expect(listing.stdout).toContain("a/b.txt");
    expect(listing.stdout).toContain("a/c -> /a/b.txt");
    expect(listing.stdout).toContain("e".repeat(60));
  });

  it("names images as CRI resolves them", () => {
    expect(BUSYBOX_IMAGE).toBe("docker.io/library/busybox:local");
    expect(familiarName(BUSYBOX_IMAGE)).toBe("busybox:local");
  });

  it.skipIf(!existsSync("/bin/busybox"))("builds the same digests twice, with every applet linked", () => {
    const first = imageDefinitions();
    const a = buildImage(first.busybox, 1_700_000_000);
    const b = buildImage(imageDefinitions().busybox, 1_700_000_000);
    expect(a.manifestDigest).toBe(b.manifestDigest);
    expect(Buffer.from(a.archive).equals(Buffer.from(b.archive))).toBe(true);
    const applets = first.busybox.layers[1]!.entries.filter((e) => e.type === "symlink").map((e) => e.path);
    expect(applets).toContain("bin/sh");
    expect(applets.length).toBeGreaterThan(100);
    const pause = buildImage(first.pause, 1_700_000_000);
    expect(pause.name).toBe(PAUSE_IMAGE);
    // The pause image's only layer is busybox:local's first: one blob on the node.
    expect(first.pause.layers[0]).toBe(first.busybox.layers[0]);
  });
});

describe("CRI translation", () => {
  it("sends no hostname for host-network sandboxes, and wraps ids and resources as CRI wants", async () => {
    const { sandboxConfigToCri, containerConfigToCri, nsToMs } = await import("../../../agent/runtime/containerd/translate.ts");
    const base = { metadata: { name: "p", uid: "u", namespace: "n", attempt: 0 }, hostname: "p", labels: {}, annotations: {} };
    expect(sandboxConfigToCri(base).hostname).toBe("p");
    expect(sandboxConfigToCri({ ...base, linux: { securityContext: { namespaceOptions: { network: "NODE" } } } }).hostname).toBe("");
    const c = containerConfigToCri({
      metadata: { name: "c", attempt: 1 }, image: { image: "busybox:local" }, labels: {}, annotations: {},
      linux: { resources: { cpuShares: 512, cpuQuota: 50_000, cpuPeriod: 100_000, memoryLimitInBytes: 1 << 26 }, securityContext: { runAsUser: 1000, runAsGroup: 0, readonlyRootfs: true } },
    });
    expect(c.linux?.resources).toEqual({ cpuShares: 512, cpuQuota: 50_000, cpuPeriod: 100_000, memoryLimitInBytes: 1 << 26 });
    expect(c.linux?.securityContext).toMatchObject({ runAsUser: { value: 1000 }, runAsGroup: { value: 0 }, readonlyRootfs: true });
    expect(nsToMs(1_700_000_000_123_456_789)).toBe(1_700_000_000_123);
  });
});
