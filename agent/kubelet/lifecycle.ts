/**
 * Container lifecycle hooks (upstream's lifecycle.handlerRunner): postStart runs right after the
 * container starts — if it fails, the container is killed (FailedPostStartHook) and restarted
 * by its policy; preStop runs before the TERM of a stop, within the grace period, and whatever
 * it leaves of the period is what the runtime waits between TERM and KILL (at least 2 s, as
 * upstream's minimumGracePeriodInSeconds). Handlers: exec, httpGet, tcpSocket, sleep.
 */
import type { Runtime } from "../runtime/mod.ts";
import { type CheckResult, execCheck, httpCheck, tcpCheck } from "./probes/checks.ts";
import { sleep } from "../../plugins/kit/sleep.ts";
import type { LifecycleHandler, PodContainer } from "./types.ts";

const MIN_GRACE_SECONDS = 2;

export interface HookTarget {
  runtime: Runtime;
  container: PodContainer;
  containerId: string;
  podIP?: string;
}

/** Runs `handler` within `timeoutSeconds`. */
export async function runHandler(t: HookTarget, handler: LifecycleHandler, timeoutSeconds: number, signal: AbortSignal): Promise<CheckResult> {
  if (handler.exec) return execCheck(t, handler.exec.command ?? [], timeoutSeconds);
  if (handler.httpGet) return httpCheck(t, handler.httpGet, timeoutSeconds);
  if (handler.tcpSocket) return tcpCheck(t, handler.tcpSocket, timeoutSeconds);
  if (handler.sleep) {
    await sleep(Math.min(handler.sleep.seconds, timeoutSeconds) * 1000, signal);
    return { ok: true };
  }
  return { ok: false, output: "the lifecycle handler has no action" };
}

/**
 * Runs the container's preStop hook, if it has one, within `graceSeconds`; returns the seconds
 * left for the stop itself.
 */
export async function runPreStop(t: HookTarget, graceSeconds: number, signal: AbortSignal): Promise<{ left: number; result?: CheckResult }> {
  const handler = t.container.lifecycle?.preStop;
  if (!handler) return { left: graceSeconds };
  const started = Date.now();
  const limit = AbortSignal.any([signal, AbortSignal.timeout(graceSeconds * 1000)]);
  const result = await Promise.race([
    runHandler(t, handler, graceSeconds, limit),
    new Promise<CheckResult>((resolve) => {
      if (limit.aborted) return resolve({ ok: false, output: "the grace period ended" });
      limit.addEventListener("abort", () => resolve({ ok: false, output: "the grace period ended" }), { once: true });
    }),
  ]);
  const spent = (Date.now() - started) / 1000;
  return { left: Math.max(MIN_GRACE_SECONDS, Math.ceil(graceSeconds - spent)), result };
}
