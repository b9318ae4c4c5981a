/**
 * Joining a server that runs under Deno, whose HTTPS server shows no client certificates to the
 * application: the agent (under Node) is known by the node bearer token issued with its
 * certificate, and its node becomes Ready.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { RemoteClient } from "../../../agent/client/remote.ts";
import { Transport } from "../../../agent/client/transport.ts";
import { denoCommand, listenFlags, nodeCommand, type Running, start } from "../../cli/spawn.ts";

const running: Running[] = [];
let dir: string | undefined;

afterAll(async () => {
  for (const r of running) {
    if (r.child.exitCode !== null) continue;
    r.child.kill("SIGTERM");
    await r.exited(15_000).catch(() => r.child.kill("SIGKILL"));
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

it("an agent joins a server running under Deno and its node becomes Ready", async () => {
  dir = await mkdtemp(join(tmpdir(), "k3ts-join-deno-"));
  const listen = await listenFlags();
  const url = `https://127.0.0.1:${listen[3]}`;
  const server = start(denoCommand(["server", "--runtime", "fake", "--disable-agent", "--data-dir", join(dir, "server"), "--log-format", "json", ...listen]));
  running.push(server);
  await server.waitForLine(/k3ts server is up/, 40_000);
  const token = (await readFile(join(dir, "server", "server", "agent-token"), "utf8")).trim();
  const agent = start(nodeCommand(["agent", "--server", url, "--token", token, "--runtime", "fake", "--node-name", "dn", "--data-dir", join(dir, "dn"), "--log-format", "json"]));
  running.push(agent);
  await agent.waitForLine(/k3ts agent is up/, 30_000);

  const ca = await readFile(join(dir, "server", "server", "tls", "server-ca.crt"), "utf8");
  const adminToken = (await readFile(join(dir, "server", "server", "admin-token"), "utf8")).trim();
  const transport = new Transport({ servers: [url], ca, token: adminToken });
  try {
    const nodes = new RemoteClient({ transport, fieldManager: "test" }).resource({ apiVersion: "v1", resource: "nodes" });
    const started = Date.now();
    let ready = false;
    while (!ready && Date.now() - started < 20_000) {
      const node = await nodes.get("dn");
      ready = ((node?.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
      if (!ready) await new Promise((r) => setTimeout(r, 200));
    }
    expect(ready).toBe(true);
  } finally {
    transport.close();
  }
}, 90_000);
