/**
 * host-mounts.ts on the real mount table (as root): a tmpfs is mounted once however often it is
 * asked for (a restarted kubelet must not stack a second one over a running pod's files), and
 * unmountAll leaves nothing mounted.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isMountPoint, mountsUnder, mountTmpfs, unmountAll } from "../../../agent/kubelet/volumes/host-mounts.ts";

const root = process.getuid?.() === 0;
if (!root) console.warn("host-mounts tests skipped: mounting needs root");

describe.skipIf(!root)("host mounts", () => {
  const dir = mkdtempSync(join(tmpdir(), "k3ts-host-mounts-"));
  afterAll(async () => {
    await unmountAll(dir).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  it("tells a tmpfs from a plain directory, mounts once, and unmounts everything", async () => {
    const vol = join(dir, "pods", "uid", "volumes", "kubernetes.io~projected", "token");
    mkdirSync(vol, { recursive: true });
    expect(await isMountPoint(vol)).toBe(false);
    await mountTmpfs(vol);
    expect(await isMountPoint(vol)).toBe(true);
    writeFileSync(join(vol, "token"), "first");
    await mountTmpfs(vol); // a restarted kubelet asks again: the files stay visible
    expect(readFileSync(join(vol, "token"), "utf8")).toBe("first");
    expect(await mountsUnder(dir)).toEqual([vol]);
    await unmountAll(join(dir, "pods"));
    expect(await mountsUnder(dir)).toEqual([]);
    expect(await isMountPoint(vol)).toBe(false);
  });
});
