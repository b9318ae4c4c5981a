/**
 * Starts loaded plugins in order and stops them in reverse. A plugin whose `setup` throws
 * stops startup (the ones already started are stopped, newest first); one that fails later
 * (`ctx.fail`) is logged and the process goes on.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { PluginStartError } from "./errors.ts";
import type { LoadedPlugin } from "./loader.ts";
import type { Logger } from "./logger.ts";
import type { PluginContext, PluginInstance } from "./mod.ts";

export interface RunningPlugin {
  name: string;
  source: string;
  instance: PluginInstance;
}

export interface RunningPlugins {
  /** In start order. */
  readonly plugins: readonly RunningPlugin[];
  /** What they provide, by capability name. */
  readonly provided: ReadonlyMap<string, unknown>;
  /** Stops every plugin, newest first; never throws (failures are logged). */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** The root data dir; each plugin gets `<dataDir>/plugins/<name>`. */
  dataDir: string;
  log: Logger;
  signal: AbortSignal;
  /** How long one plugin's stop() may take before shutdown moves on. */
  stopTimeoutMs?: number;
}

export async function startPlugins(loaded: readonly LoadedPlugin[], options: StartOptions): Promise<RunningPlugins> {
  const running: RunningPlugin[] = [];
  const provided = new Map<string, unknown>();
  const stop = () => stopAll(running, options);

  for (const plugin of loaded) {
    const name = plugin.definition.name;
    const log = options.log.child(name);
    const dataDir = join(options.dataDir, "plugins", name);
    const ctx: PluginContext = {
      name,
      dataDir,
      rootDataDir: options.dataDir,
      log,
      signal: options.signal,
      fail: (error) => log.error("plugin failed; k3ts goes on without it", { error: describeError(error) }),
      provided: new Map(provided),
    };
    let instance: PluginInstance;
    try {
      mkdirSync(dataDir, { recursive: true });
      instance = (await plugin.definition.setup(ctx, plugin.config)) ?? {};
    } catch (error) {
      await stop();
      throw new PluginStartError(name, `plugin ${name} (${plugin.source}) failed to start: ${describeError(error)}`, { cause: error });
    }
    running.push({ name, source: plugin.source, instance });
    for (const capability of plugin.definition.provides ?? []) {
      const value = instance.provides?.[capability];
      if (value !== undefined) provided.set(capability, value);
    }
  }
  return { plugins: [...running], provided, stop };
}

async function stopAll(running: RunningPlugin[], options: StartOptions): Promise<void> {
  const timeout = options.stopTimeoutMs ?? 10_000;
  // Newest first: a plugin may use what earlier ones provide until it has stopped.
  while (running.length > 0) {
    const plugin = running.pop()!;
    if (!plugin.instance.stop) continue;
    const log = options.log.child(plugin.name);
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const stopped = Promise.resolve(plugin.instance.stop()).then(() => "stopped" as const);
      const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), timeout)));
      if ((await Promise.race([stopped, late])) === "late") log.warn("plugin did not stop in time; moving on", { timeoutMs: timeout });
    } catch (error) {
      log.error("plugin failed to stop", { error: describeError(error) });
    } finally {
      clearTimeout(timer);
    }
  }
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
