/** The real CLI under Node 24: `node bin/k3ts.js …`, as npx runs it. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative as relativeFrom } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { freePort, listenFlags, logRecords, nodeCommand, repo, run, start } from "./spawn.ts";

let dataDir: string;
let manifest: string;
let listen: string[];
beforeEach(async () => {
  listen = await listenFlags();
  dataDir = mkdtempSync(join(tmpdir(), "k3ts-cli-"));
  manifest = join(dataDir, "config.yaml");
  writeFileSync(manifest, "");
});

const server = (...args: string[]) => nodeCommand(["server", "--data-dir", dataDir, "--config", manifest, "--log-format", "json", ...listen, ...args]);

describe("k3ts CLI under Node", () => {
  it("prints its version and the runtime's", async () => {
    const result = await run(nodeCommand(["version"]));
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^k3ts v0\.1\.0 \(node v\d+\.\d+\.\d+\)$/);
  });

  it("prints help generated from the flags table, per command", async () => {
    const top = await run(nodeCommand(["--help"]));
    expect(top.code).toBe(0);
    expect(top.stdout).toContain("Usage: k3ts <command> [flags]");
    expect(top.stdout).toMatch(/server\s+Run the control plane/);
    const serverHelp = await run(nodeCommand(["server", "-h"]));
    expect(serverHelp.code).toBe(0);
    expect(serverHelp.stdout).toMatch(/--cluster-cidr CIDR\s+Network of pod IPs \(default: 10\.42\.0\.0\/16\)/);
    expect(serverHelp.stdout).toContain("[$K3TS_DATASTORE_ENDPOINT]");
    const agentHelp = await run(nodeCommand(["agent", "--help"]));
    expect(agentHelp.stdout).toContain("--server URL");
    expect(agentHelp.stdout).not.toContain("--cluster-cidr");
  });

  it("exits 1 on an unknown command or flag, suggesting the nearest", async () => {
    const command = await run(nodeCommand(["sever"]));
    expect(command.code).toBe(1);
    expect(command.stderr).toContain('unknown command "sever" (did you mean `server`?)');
    const flag = await run(server("--cluster-cdir", "10.0.0.0/16"));
    expect(flag.code).toBe(1);
    expect(flag.stderr).toContain("unknown flag --cluster-cdir (did you mean `--cluster-cidr`?)");
    const value = await run(server("--service-node-port-range", "3-2"));
    expect(value.code).toBe(1);
    expect(value.stderr).toContain('--service-node-port-range: bad value "3-2"');
  });

  it("runs the control plane with --runtime containerd: its own containerd as root, else a NotReady node that says why", async () => {
    const k3ts = start(server("--runtime", "containerd"));
    await k3ts.waitForLine(/k3ts server is up/);
    k3ts.child.kill("SIGTERM");
    const exit = await k3ts.exited();
    expect(exit.code).toBe(0);
    expect(exit.stderr).toMatch(/containerd is ready|the node stays NotReady/);
  });

  it("refuses a bad manifest, naming the file and the key", async () => {
    writeFileSync(manifest, "cluster-cidr: 10.42.0.0/16\nbind-adress: 127.0.0.1\n");
    const result = await run(server());
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${manifest}: invalid manifest`);
    expect(result.stderr).toContain("bind-adress: unknown key (did you mean `bind-address`?)");
  });

  it("refuses a plugin whose setup throws, naming it, and exits 1", async () => {
    writeFileSync(manifest, `plugins:\n  - {use: ${join(repo, "test/fixtures/plugins/fails-setup.ts")}}\n`);
    const result = await run(server());
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("plugin fails-setup");
    expect(result.stderr).toContain("failed to start: cannot bind port 80");
  });

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`starts a server on sqlite, logs what it loaded, and exits 0 on ${signal}`, async () => {
      writeFileSync(manifest, [
        "modules:",
        "  datastore: {use: sqlite}",
        "plugins:",
        "  - {use: k3ts-plugin-hello, with: {greeting: hej}}",
        `  - {use: ${join(repo, "test/fixtures/plugins/rejects-in-background.ts")}}`,
      ].join("\n"));
      const k3ts = start(server());
      await k3ts.waitForLine(/k3ts server is up/);
      await k3ts.waitForLine(/stray background rejection/);
      k3ts.child.kill(signal);
      const exit = await k3ts.exited();
      expect(exit.code).toBe(0);
      const records = logRecords(exit.stderr);
      const started = records.filter((r) => r.msg === "plugin started").map((r) => [r.name, r.source]);
      expect(started).toEqual([
        ["sqlite", "built-in sqlite"],
        ["hello", expect.stringContaining("k3ts-plugin-hello")],
        ["rejects-in-background", join(repo, "test/fixtures/plugins/rejects-in-background.ts")],
      ]);
      expect(records.find((r) => r.msg === "datastore ready")).toMatchObject({ name: "sqlite", revision: 0 });
      expect(records.find((r) => r.msg === "hello plugin started")).toMatchObject({ component: "server/hello", greeting: "hej" });
      expect(records.find((r) => r.msg === "shutting down")).toMatchObject({ signal });
      expect(records.at(-1)).toMatchObject({ msg: "stopped" });
    });
  }

  it("starts with a datastore module given by a path relative to the manifest", async () => {
    const fixtureDir = join(repo, "test/fixtures");
    const localManifest = join(dataDir, "fixtures.yaml");
    // The manifest sits in the temp dir, so the relative path climbs from there to the fixture.
    writeFileSync(localManifest, `modules:\n  datastore: {use: ${JSON.stringify(join(relativeFrom(dataDir, fixtureDir), "plugins/memory-datastore.ts"))}}\n`);
    const k3ts = start(nodeCommand(["server", "--data-dir", dataDir, "--config", localManifest, "--log-format", "json", ...listen]));
    await k3ts.waitForLine(/k3ts server is up/);
    k3ts.child.kill("SIGTERM");
    const exit = await k3ts.exited();
    expect(exit.code).toBe(0);
    const records = logRecords(exit.stderr);
    expect(records.find((r) => r.msg === "plugin started")).toMatchObject({ name: "memory-datastore", source: join(fixtureDir, "plugins/memory-datastore.ts") });
    expect(records.find((r) => r.msg === "datastore ready")).toMatchObject({ name: "memory", revision: 0 });
    expect(records.some((r) => r.msg === "memory datastore closed")).toBe(true);
  });

  it("takes the data dir from the flag over the environment over the manifest", async () => {
    writeFileSync(manifest, `data-dir: ${join(dataDir, "from-file")}\n`);
    const envDir = join(dataDir, "from-env");
    const flagDir = join(dataDir, "from-flag");
    const cases = [
      { args: [], env: {}, expected: join(dataDir, "from-file") },
      { args: [], env: { K3TS_DATA_DIR: envDir }, expected: envDir },
      { args: ["--data-dir", flagDir], env: { K3TS_DATA_DIR: envDir }, expected: flagDir },
    ];
    for (const { args, env, expected } of cases) {
      const k3ts = start(nodeCommand(["server", "--log-format", "json", "--config", manifest, ...listen, ...args]), { env });
      await k3ts.waitForLine(/k3ts server is up/);
      k3ts.child.kill("SIGTERM");
      const exit = await k3ts.exited();
      expect(exit.code).toBe(0);
      expect(logRecords(exit.stderr)[0]).toMatchObject({ msg: "starting k3ts server", dataDir: expected });
    }
  });

  it("reads the manifest from $K3TS_CONFIG_FILE, and refuses a missing explicit one", async () => {
    const missing = await run(nodeCommand(["server", "--data-dir", dataDir]), { env: { K3TS_CONFIG_FILE: join(dataDir, "nope.yaml") } });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("nope.yaml does not exist (given by $K3TS_CONFIG_FILE)");
  });

  it("agent: says what is missing; with $K3TS_URL and $K3TS_TOKEN it waits for the server until SIGTERM", async () => {
    const bare = await run(nodeCommand(["agent", "--config", manifest]));
    expect(bare.code).toBe(1);
    expect(bare.stderr).toContain("an agent needs --server URL");
    expect(bare.stderr).toContain("--token TOKEN");
    // (updated with the join work: the agent exists now; a loopback port nobody listens on.)
    const url = `https://127.0.0.1:${await freePort()}`;
    const waiting = start(nodeCommand(["agent", "--config", manifest, "--runtime", "fake", "--data-dir", dataDir, "--log-format", "json"]), { env: { K3TS_URL: url, K3TS_TOKEN: "secret" } });
    await waiting.waitForLine(/waiting for the server to join/);
    waiting.child.kill("SIGTERM");
    const exit = await waiting.exited();
    expect(exit.code).toBe(0);
    expect(exit.stderr).toContain(url);
  });
});
