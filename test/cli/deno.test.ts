/** The real CLI under Deno: `deno run -A main.ts …`, from the source as it is. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { denoCommand, listenFlags, logRecords, repo, run, start } from "./spawn.ts";

describe("k3ts CLI under Deno", () => {
  it("prints its version with Deno's", async () => {
    const result = await run(denoCommand(["version"]));
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^k3ts v0\.1\.0 \(deno \d+\.\d+\.\d+\)$/);
  });

  it("exits 1 on a bad flag", async () => {
    const result = await run(denoCommand(["server", "--https-listen-port", "0"]));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--https-listen-port: bad value "0"');
  });

  it("starts a server on sqlite with an npm-package plugin and exits 0 on SIGTERM", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "k3ts-deno-"));
    const manifest = join(dataDir, "config.yaml");
    writeFileSync(manifest, "plugins:\n  - {use: k3ts-plugin-hello}\n");
    const k3ts = start(denoCommand(["server", "--data-dir", dataDir, "--config", manifest, "--log-format", "json", ...(await listenFlags())]), { cwd: repo });
    await k3ts.waitForLine(/k3ts server is up/, 30_000);
    k3ts.child.kill("SIGTERM");
    const exit = await k3ts.exited();
    expect(exit.code).toBe(0);
    const records = logRecords(exit.stderr);
    expect(records.filter((r) => r.msg === "plugin started").map((r) => r.name)).toEqual(["sqlite", "hello"]);
    expect(records.find((r) => r.msg === "datastore ready")).toMatchObject({ name: "sqlite", revision: 0 });
    expect(records.at(-1)).toMatchObject({ msg: "stopped" });
  });

  it("loads an npm: specifier and a datastore module given by path", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "k3ts-deno-"));
    const manifest = join(dataDir, "config.yaml");
    writeFileSync(manifest, [
      "modules:",
      `  datastore: {use: ${join(repo, "test/fixtures/plugins/memory-datastore.ts")}}`,
      "plugins:",
      '  - {use: "npm:k3ts-plugin-hello", with: {greeting: hallo}}',
    ].join("\n"));
    const k3ts = start(denoCommand(["server", "--data-dir", dataDir, "--config", manifest, "--log-format", "json", ...(await listenFlags())]), { cwd: repo });
    await k3ts.waitForLine(/k3ts server is up/, 30_000);
    k3ts.child.kill("SIGINT");
    const exit = await k3ts.exited();
    expect(exit.code).toBe(0);
    const records = logRecords(exit.stderr);
    expect(records.filter((r) => r.msg === "plugin started").map((r) => [r.name, r.source])).toEqual([
      ["memory-datastore", join(repo, "test/fixtures/plugins/memory-datastore.ts")],
      ["hello", "npm:k3ts-plugin-hello"],
    ]);
    expect(records.find((r) => r.msg === "hello plugin started")).toMatchObject({ greeting: "hallo" });
    expect(records.find((r) => r.msg === "datastore ready")).toMatchObject({ name: "memory", revision: 0 });
  });
});
