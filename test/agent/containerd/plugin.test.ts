/**
 * The containerd module as the agent opens it: under a data dir laid out like k3s's, it writes
 * the placeholder CNI config, starts containerd, imports `agent/images/*.tar`, builds the pause
 * image from busybox-static when no archive brought it, and closes with containerd stopped.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BUSYBOX_IMAGE, DEFAULT_MTIME, imageDefinitions, PAUSE_IMAGE } from "../../../agent/runtime/containerd/images.ts";
import { buildImage } from "../../../agent/runtime/containerd/oci-image.ts";
import { containerdPaths, containerdRuntimeFactory } from "../../../agent/runtime/containerd/plugin.ts";
import { PLACEHOLDER_FILE } from "../../../agent/runtime/containerd/cni-placeholder.ts";
import type { Cni } from "../../../cni/mod.ts";
import { createLogger } from "../../../plugins/logger.ts";

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const missing = ["/usr/bin/containerd", "/usr/bin/ctr", "/bin/busybox"].filter((p) => !existsSync(p));
const skipReason = !isRoot ? "needs root (CI runs as root)" : missing.length > 0 ? `missing ${missing.join(", ")}: run scripts/setup-debian.sh` : "";
if (skipReason) console.warn(`containerd plugin tests skipped: ${skipReason}`);

describe.skipIf(skipReason !== "")("containerd module", { timeout: 120_000 }, () => {
  const dataDir = mkdtempSync("/tmp/k3m-");
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("opens a node's runtime: placeholder CNI config, airgap import, pause image built when missing", async () => {
    const paths = containerdPaths(dataDir);
    mkdirSync(paths.imagesDir, { recursive: true });
    // Only busybox:local comes as an airgap archive; the module must build the pause image itself.
    writeFileSync(join(paths.imagesDir, "busybox.tar"), buildImage(imageDefinitions().busybox, DEFAULT_MTIME).archive);
    const lines: string[] = [];
    const log = createLogger({ level: "info", write: (l) => lines.push(l) });
    const factory = containerdRuntimeFactory({ dataDir, config: { podCidr: "10.215.0.0/24", mirrors: { "docker.io": ["http://127.0.0.1:1"] }, disableDefaultRegistryEndpoint: true }, log });
    const abort = new AbortController();
    const runtime = await factory.open({ name: "node-a", log, signal: abort.signal });
    try {
      expect((await runtime.version()).runtimeName).toBe("containerd");
      const conf = JSON.parse(readFileSync(join(paths.cniConfDir, PLACEHOLDER_FILE), "utf8"));
      expect(conf.plugins[0].ipam.ranges[0][0].subnet).toBe("10.215.0.0/24");
      const tags = (await runtime.listImages()).flatMap((i) => i.repoTags).sort();
      expect(tags).toEqual([BUSYBOX_IMAGE, PAUSE_IMAGE].sort());
      expect(lines.some((l) => l.includes("imported busybox.tar"))).toBe(true);
      expect(lines.some((l) => l.includes(`building ${PAUSE_IMAGE}`))).toBe(true);
      // The node's pod CIDR, once known, rewrites the placeholder.
      await runtime.updateRuntimeConfig({ networkConfig: { podCidr: "10.215.7.0/24" } });
      expect(readFileSync(join(paths.cniConfDir, PLACEHOLDER_FILE), "utf8")).toContain("10.215.7.0/24");
      const status = await runtime.status();
      expect(status.conditions.find((c) => c.type === "RuntimeReady")?.status).toBe(true);
    } finally {
      await runtime.close();
      abort.abort();
    }
    expect(existsSync(join(paths.containerdDir, "containerd.pid"))).toBe(false);
    expect(readdirSync(paths.containerdDir)).toContain("containerd.log");
  });

  it("points containerd at the CNI module's dirs and calls its prepare with the pod CIDR", async () => {
    const other = mkdtempSync("/tmp/k3m-");
    try {
      const calls: unknown[] = [];
      const cni: Cni = {
        name: "test",
        confDir: join(other, "cni-conf"),
        binDir: "/usr/lib/cni",
        async prepare(network) {
          calls.push(network);
          return { confDir: join(other, "cni-conf"), confFile: "10-test.conflist", changed: true };
        },
        async setNodes() {},
        async stop() {},
      };
      mkdirSync(cni.confDir);
      const log = createLogger({ level: "warn" });
      const factory = containerdRuntimeFactory({ dataDir: other, config: {}, log, cni });
      const abort = new AbortController();
      const runtime = await factory.open({ name: "node-b", log, signal: abort.signal });
      try {
        const toml = readFileSync(join(containerdPaths(other).containerdDir, "config.toml"), "utf8");
        expect(toml).toContain(`conf_dir = "${cni.confDir}"`);
        expect(readdirSync(cni.confDir)).toEqual([]);
        expect(existsSync(join(containerdPaths(other).cniConfDir, PLACEHOLDER_FILE))).toBe(false);
        await runtime.updateRuntimeConfig({ networkConfig: { podCidr: "10.216.0.0/24" } });
        expect(calls).toEqual([{ podCidr: "10.216.0.0/24", nodeName: "node-b" }]);
      } finally {
        await runtime.close();
        abort.abort();
      }
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
