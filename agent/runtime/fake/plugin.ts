/**
 * The `fake` runtime module: `modules: {runtime: {use: fake}}` or `--runtime fake`. Pods on its
 * nodes are simulated (as kwok does): nothing runs, but the kubelet drives them through the same
 * Runtime contract as containerd. It can serve many nodes in one process (--simulated-nodes).
 *
 * with:
 *   completionSeconds: 1       how long containers of run-to-completion pods run
 *   preloadedImages: [...]     images present without a pull (default: busybox:local and the pause image)
 */
import * as v from "valibot";
import { definePlugin } from "../../../plugins/mod.ts";
import type { RuntimeFactory, RuntimeProvides } from "../mod.ts";
import { FakeRuntime } from "./runtime.ts";

export { FakeRuntime, type FakeRuntimeOptions } from "./runtime.ts";

export const DEFAULT_PRELOADED_IMAGES = ["busybox:local", "docker.io/rancher/mirrored-pause:3.6"];

const configSchema = v.optional(
  v.strictObject({
    completionSeconds: v.optional(v.pipe(v.number(), v.minValue(0))),
    preloadedImages: v.optional(v.array(v.pipe(v.string(), v.minLength(1)))),
  }),
  {},
);

export type FakeRuntimeConfig = v.InferOutput<typeof configSchema>;

export function fakeRuntimeFactory(config: FakeRuntimeConfig = {}): RuntimeFactory {
  return {
    name: "fake",
    simulatesNodes: true,
    async open() {
      return new FakeRuntime({
        completionMs: (config.completionSeconds ?? 1) * 1000,
        preloadedImages: config.preloadedImages ?? DEFAULT_PRELOADED_IMAGES,
      });
    },
  };
}

export default definePlugin<FakeRuntimeConfig, RuntimeProvides>({
  name: "fake",
  provides: ["runtime"],
  config: configSchema,
  setup(ctx, config) {
    ctx.log.info("simulated runtime: pods on this process's nodes are simulated, nothing runs");
    return { provides: { runtime: fakeRuntimeFactory(config) } };
  },
});
