import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { PluginStartError } from "../../plugins/errors.ts";
import { startPlugins } from "../../plugins/lifecycle.ts";
import { loadPlugins } from "../../plugins/loader.ts";
import { createLogger } from "../../plugins/logger.ts";
import { contexts, events } from "../fixtures/plugins/recorder.ts";

const fixtures = resolve(import.meta.dirname, "../fixtures/plugins");

function refs(...files: string[]) {
  return files.map((file, i) => ({ ref: { use: join(fixtures, file), origin: { file: join(fixtures, "config.yaml"), path: `plugins[${i}]` } } }));
}

function memoryLog() {
  const lines: string[] = [];
  return { lines, log: createLogger({ format: "text", write: (line) => lines.push(line) }) };
}

let dataDir: string;
beforeEach(() => {
  events.length = 0;
  dataDir = mkdtempSync(join(tmpdir(), "k3ts-lifecycle-"));
});

describe("lifecycle", () => {
  it("starts plugins in order, hands each what earlier ones provide, and stops them in reverse", async () => {
    const loaded = await loadPlugins(refs("alpha.ts", "beta.ts"), { builtins: {} });
    const { log } = memoryLog();
    const running = await startPlugins(loaded, { dataDir, log, signal: new AbortController().signal });
    expect(running.provided.get("alpha-thing")).toBe("alpha-thing from alpha");
    await running.stop();
    expect(events).toEqual(["setup alpha (saw nothing)", "setup beta (saw alpha-thing)", "stop beta", "stop alpha"]);
  });

  it("gives each plugin its own data dir, created, a named logger and the shared signal", async () => {
    const loaded = await loadPlugins(refs("alpha.ts"), { builtins: {} });
    const { lines, log } = memoryLog();
    const abort = new AbortController();
    const running = await startPlugins(loaded, { dataDir, log, signal: abort.signal });
    const ctx = contexts.get("alpha")!;
    expect(ctx.dataDir).toBe(join(dataDir, "plugins", "alpha"));
    expect(existsSync(ctx.dataDir)).toBe(true);
    expect(ctx.rootDataDir).toBe(dataDir);
    ctx.log.info("hello");
    expect(lines.at(-1)).toContain("[alpha] hello");
    abort.abort();
    expect(ctx.signal.aborted).toBe(true);
    await running.stop();
  });

  it("stops startup when a setup throws, naming the plugin, after stopping the started ones in reverse", async () => {
    const loaded = await loadPlugins(refs("alpha.ts", "beta.ts", "fails-setup.ts"), { builtins: {} });
    const { log } = memoryLog();
    const started = startPlugins(loaded, { dataDir, log, signal: new AbortController().signal });
    await expect(started).rejects.toBeInstanceOf(PluginStartError);
    await expect(started).rejects.toThrow(/plugin fails-setup \(.*fails-setup\.ts\) failed to start: cannot bind port 80/);
    expect(events).toEqual([
      "setup alpha (saw nothing)",
      "setup beta (saw alpha-thing)",
      "setup fails-setup (saw alpha-thing)",
      "stop beta",
      "stop alpha",
    ]);
  });

  it("logs a plugin that fails after setup and keeps the others running", async () => {
    const loaded = await loadPlugins(refs("alpha.ts", "fails-later.ts", "beta.ts"), { builtins: {} });
    const { lines, log } = memoryLog();
    const running = await startPlugins(loaded, { dataDir, log, signal: new AbortController().signal });
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (lines.some((line) => line.includes("watch loop died"))) resolve(clearInterval(poll));
      }, 5);
    });
    const failure = lines.find((line) => line.includes("watch loop died"))!;
    expect(failure).toContain("ERROR");
    expect(failure).toContain("[fails-later] plugin failed; k3ts goes on without it");
    await running.stop();
    expect(events).toEqual(["setup alpha (saw nothing)", "setup beta (saw alpha-thing)", "stop beta", "stop alpha"]);
  });

  it("logs a stop that throws and still stops the rest", async () => {
    const loaded = await loadPlugins(refs("alpha.ts"), { builtins: {} });
    const { lines, log } = memoryLog();
    const broken = { ...loaded[0]!, definition: { name: "broken", setup: () => ({ stop: () => { throw new Error("stuck"); } }) } };
    const running = await startPlugins([loaded[0]!, broken], { dataDir, log, signal: new AbortController().signal });
    await running.stop();
    expect(lines.some((line) => line.includes("[broken] plugin failed to stop") && line.includes("stuck"))).toBe(true);
    expect(events).toContain("stop alpha");
  });
});
