/**
 * A bad or missing registries file stops `k3ts server --runtime containerd` before containerd
 * starts, with the file, the key path, what was expected and what was found — whether it was
 * named on the command line, in the environment or in the manifest.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listenFlags, nodeCommand, run } from "./spawn.ts";

let dataDir: string;
let manifest: string;
let registries: string;
let listen: string[];
beforeEach(async () => {
  listen = await listenFlags();
  dataDir = mkdtempSync(join(tmpdir(), "k3ts-cli-reg-"));
  manifest = join(dataDir, "config.yaml");
  registries = join(dataDir, "registries.yaml");
  writeFileSync(manifest, "");
  writeFileSync(registries, 'mirrors:\n  docker.io:\n    endpoint: "http://127.0.0.1:5000"\n');
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const server = (...args: string[]) => nodeCommand(["server", "--data-dir", dataDir, "--config", manifest, "--log-format", "json", "--runtime", "containerd", ...listen, ...args]);
const expected = () => `${registries}: not a valid registries file`;
const keyLine = 'mirrors.docker.io.endpoint: expected Array, found string "http://127.0.0.1:5000"';

describe("--private-registry", () => {
  it("refuses a bad file named on the command line, and exits 1", async () => {
    const result = await run(server("--private-registry", registries));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(expected());
    expect(result.stderr).toContain(keyLine);
    expect(result.stderr).not.toContain("containerd is ready");
  });

  it("takes the file from K3TS_PRIVATE_REGISTRY and from the manifest", async () => {
    const fromEnv = await run(server(), { env: { K3TS_PRIVATE_REGISTRY: registries } });
    expect(fromEnv.code).toBe(1);
    expect(fromEnv.stderr).toContain(keyLine);
    writeFileSync(manifest, `private-registry: ${join(dataDir, "missing.yaml")}\n`);
    const fromManifest = await run(server());
    expect(fromManifest.code).toBe(1);
    expect(fromManifest.stderr).toContain(`${join(dataDir, "missing.yaml")}: private registry file not found`);
  });
});
