import { describe, expect, it } from "vitest";
import { applyDefaultCni } from "../../plugins/default-cni.ts";
import type { ModuleKind, PluginRef } from "../../plugins/manifest.ts";

const ref = (use: string, withValues?: Record<string, unknown>): PluginRef => ({ use, origin: { file: "m.yaml", path: "modules.x" }, ...(withValues ? { with: withValues } : {}) });
const networks = { clusterCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16" };

describe("the CNI default of server and agent", () => {
  it("gives containerd the bridge, told the cluster's networks", () => {
    const modules: Partial<Record<ModuleKind, PluginRef>> = { runtime: ref("containerd") };
    applyDefaultCni(modules, networks);
    expect(modules.cni).toMatchObject({ use: "bridge", with: networks, origin: { file: "default" } });
  });

  it("leaves the fake runtime without a CNI, and a chosen CNI alone", () => {
    const fake: Partial<Record<ModuleKind, PluginRef>> = { runtime: ref("fake") };
    applyDefaultCni(fake, networks);
    expect(fake.cni).toBeUndefined();
    const other: Partial<Record<ModuleKind, PluginRef>> = { runtime: ref("containerd"), cni: ref("./my-cni.ts", { a: 1 }) };
    applyDefaultCni(other, networks);
    expect(other.cni).toEqual(ref("./my-cni.ts", { a: 1 }));
  });

  it("keeps the manifest's own bridge settings over the defaults, and omits networks nobody told", () => {
    const modules: Partial<Record<ModuleKind, PluginRef>> = { runtime: ref("containerd"), cni: ref("bridge", { clusterCidr: "10.99.0.0/16", mtu: 1400 }) };
    applyDefaultCni(modules, networks);
    expect(modules.cni?.with).toEqual({ clusterCidr: "10.99.0.0/16", serviceCidr: "10.43.0.0/16", mtu: 1400 });
    // An agent joined to an older server learns no networks: the bridge's own defaults apply.
    const agent: Partial<Record<ModuleKind, PluginRef>> = { runtime: ref("containerd") };
    applyDefaultCni(agent, {});
    expect(agent.cni?.with).toEqual({});
  });
});
