/**
 * The `bridge` CNI module: `modules: {cni: {use: bridge}}`, the default with the containerd
 * runtime. One node's pod network on a Linux bridge (see bridge-cni.ts).
 *
 * with:
 *   clusterCidr: 10.42.0.0/16    every pod's CIDR: traffic leaving it is masqueraded (the server passes --cluster-cidr)
 *   serviceCidr: 10.43.0.0/16    the Service CIDR (the server passes --service-cidr)
 *   bridge: cni0                 the bridge device
 *   binDir: /usr/lib/cni         where the CNI plugins are
 *   mtu: 1500                    the pods' MTU (default: the bridge plugin's)
 *   masquerade: true             false: no masquerade rules (the network routes pod CIDRs itself)
 */
import * as v from "valibot";
import { definePlugin } from "../../plugins/mod.ts";
import type { CniProvides } from "../mod.ts";
import { BridgeCni, DEFAULT_BIN_DIR, DEFAULT_CLUSTER_CIDR, DEFAULT_SERVICE_CIDR, firstIpv4 } from "./bridge-cni.ts";

/** A CIDR or a dual-stack list (the server's --cluster-cidr as given) with an IPv4 CIDR in it: the bridge uses that one. */
const cidr = v.pipe(
  v.string(),
  v.check((value) => {
    try {
      firstIpv4(value);
      return true;
    } catch {
      return false;
    }
  }, "expected an IPv4 CIDR (or a comma-separated list with one)"),
);

const configSchema = v.optional(
  v.strictObject({
    clusterCidr: v.optional(cidr, DEFAULT_CLUSTER_CIDR),
    serviceCidr: v.optional(cidr, DEFAULT_SERVICE_CIDR),
    // Linux interface names: at most 15 bytes.
    bridge: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.-]{1,15}$/, "expected an interface name of at most 15 characters"))),
    binDir: v.optional(v.string(), DEFAULT_BIN_DIR),
    mtu: v.optional(v.pipe(v.number(), v.integer(), v.minValue(576), v.maxValue(65535))),
    masquerade: v.optional(v.boolean(), true),
  }),
  {},
);

export type BridgeModuleConfig = v.InferOutput<typeof configSchema>;

export default definePlugin<BridgeModuleConfig, CniProvides>({
  name: "bridge",
  provides: ["cni"],
  config: configSchema,
  setup(ctx, config) {
    const cni = new BridgeCni({ dataDir: ctx.rootDataDir, log: ctx.log, ...config });
    return { provides: { cni }, stop: () => cni.stop() };
  },
});
