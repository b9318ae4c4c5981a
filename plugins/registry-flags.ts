/**
 * --private-registry and --disable-default-registry-endpoint, shared by `k3ts server` and `k3ts
 * agent`: they configure the containerd runtime module (its `with: {privateRegistry,
 * disableDefaultRegistryEndpoint}`), as in k3s, where they only concern the embedded containerd.
 * Applied once the runtime module is settled; a manifest's own `with:` values win. Other runtimes
 * have no registries, so the flags do nothing there.
 */
import { resolve } from "node:path";
import type { ModuleKind, PluginRef } from "./manifest.ts";
import type { Settings } from "./settings.ts";

export function applyRegistryFlags(modules: Partial<Record<ModuleKind, PluginRef>>, settings: Settings, cwd: string): void {
  if (modules.runtime?.use !== "containerd") return;
  const file = settings.values["private-registry"] as string | undefined;
  const disableDefault = settings.values["disable-default-registry-endpoint"] as boolean | undefined;
  const fromFlags: Record<string, unknown> = {};
  if (file !== undefined) fromFlags.privateRegistry = resolve(cwd, file);
  if (disableDefault !== undefined) fromFlags.disableDefaultRegistryEndpoint = disableDefault;
  if (Object.keys(fromFlags).length === 0) return;
  modules.runtime = { ...modules.runtime, with: { ...fromFlags, ...(modules.runtime.with as Record<string, unknown> | undefined) } };
}
