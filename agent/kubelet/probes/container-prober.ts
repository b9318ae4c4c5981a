/**
 * The prober for real runtimes (upstream's prober manager and its workers): per running
 * container, one loop per probe it has, on its own period after its initialDelaySeconds.
 * Startup gates the others: until it passes, liveness and readiness wait; if it fails
 * failureThreshold times in a row the container is restarted, as on a liveness failure.
 * Readiness starts false (true at once without a readiness probe) and flips after
 * successThreshold passes or failureThreshold failures. A flip calls `changed`, so that the pod
 * worker recomputes the status or restarts the container.
 */
import type { Runtime } from "../../runtime/mod.ts";
import type { KubeletEvents } from "../events.ts";
import type { Prober, ProbeTarget } from "../prober.ts";
import { sleep } from "../../../plugins/kit/sleep.ts";
import type { Probe } from "../types.ts";
import { type CheckResult, execCheck, httpCheck, tcpCheck } from "./checks.ts";

interface Probing {
  abort: AbortController;
  startupPassed: boolean;
  ready: boolean;
  livenessFailed: boolean;
}

export interface ContainerProberOptions {
  runtime: Runtime;
  events: KubeletEvents;
  /** A result flipped for this pod: sync it. */
  changed(podUid: string): void;
  /** Aborts every probe loop (the kubelet stops). */
  signal: AbortSignal;
}

type Kind = "startup" | "liveness" | "readiness";
const LABEL: Record<Kind, string> = { startup: "Startup", liveness: "Liveness", readiness: "Readiness" };

/** One probe run, by its handler. */
export function runProbe(runtime: Runtime, target: ProbeTarget, probe: Probe): Promise<CheckResult> {
  const timeout = probe.timeoutSeconds ?? 1;
  const t = { runtime, container: target.container, containerId: target.containerId, podIP: target.podIP };
  if (probe.exec) return execCheck(t, probe.exec.command ?? [], timeout);
  if (probe.httpGet) return httpCheck(t, probe.httpGet, timeout);
  if (probe.tcpSocket) return tcpCheck(t, probe.tcpSocket, timeout);
  // gRPC probes need a gRPC health client in the pod's network; not served: they pass, as an unknown probe does upstream.
  return Promise.resolve({ ok: true });
}

export class ContainerProber implements Prober {
  readonly #o: ContainerProberOptions;
  readonly #probing = new Map<string, Probing>();

  constructor(options: ContainerProberOptions) {
    this.#o = options;
  }

  static #key(uid: string, name: string): string {
    return `${uid}/${name}`;
  }

  started(target: ProbeTarget): void {
    const uid = target.pod.metadata.uid!;
    const key = ContainerProber.#key(uid, target.container.name);
    this.#probing.get(key)?.abort.abort();
    const c = target.container;
    const state: Probing = {
      abort: new AbortController(),
      startupPassed: !c.startupProbe,
      ready: !c.readinessProbe,
      livenessFailed: false,
    };
    this.#probing.set(key, state);
    const signal = AbortSignal.any([state.abort.signal, this.#o.signal]);
    if (c.startupProbe) void this.#loop("startup", c.startupProbe, target, state, signal);
    if (c.livenessProbe) void this.#loop("liveness", c.livenessProbe, target, state, signal);
    if (c.readinessProbe) void this.#loop("readiness", c.readinessProbe, target, state, signal);
  }

  stopped(podUid: string, containerName?: string): void {
    for (const [key, state] of this.#probing) {
      if (containerName === undefined ? key.startsWith(`${podUid}/`) : key === ContainerProber.#key(podUid, containerName)) {
        state.abort.abort();
        this.#probing.delete(key);
      }
    }
  }

  ready(podUid: string, containerName: string): boolean {
    const s = this.#probing.get(ContainerProber.#key(podUid, containerName));
    return !!s && s.startupPassed && s.ready && !s.livenessFailed;
  }

  startupPassed(podUid: string, containerName: string): boolean {
    return this.#probing.get(ContainerProber.#key(podUid, containerName))?.startupPassed ?? false;
  }

  livenessFailed(podUid: string, containerName: string): boolean {
    return this.#probing.get(ContainerProber.#key(podUid, containerName))?.livenessFailed ?? false;
  }

  async #loop(kind: Kind, probe: Probe, target: ProbeTarget, state: Probing, signal: AbortSignal): Promise<void> {
    const period = (probe.periodSeconds ?? 10) * 1000;
    const successes = kind === "readiness" ? (probe.successThreshold ?? 1) : 1;
    const failures = probe.failureThreshold ?? 3;
    const uid = target.pod.metadata.uid!;
    let okRun = 0;
    let failRun = 0;
    if (!(await sleep((probe.initialDelaySeconds ?? 0) * 1000, signal))) return;
    while (!signal.aborted) {
      if (kind === "startup" || state.startupPassed) {
        const result = await runProbe(this.#o.runtime, target, probe);
        if (signal.aborted) return;
        if (result.ok) {
          okRun++;
          failRun = 0;
        } else {
          failRun++;
          okRun = 0;
          this.#o.events.event(target.pod, "Warning", "Unhealthy", `${LABEL[kind]} probe failed: ${result.output ?? ""}`);
        }
        if (kind === "startup" && result.ok) {
          state.startupPassed = true;
          this.#o.changed(uid);
          return;
        }
        if ((kind === "startup" || kind === "liveness") && failRun >= failures) {
          state.livenessFailed = true;
          this.#o.changed(uid);
          return;
        }
        if (kind === "readiness") {
          const ready = state.ready ? failRun < failures : okRun >= successes;
          if (ready !== state.ready) {
            state.ready = ready;
            this.#o.changed(uid);
          }
        }
      }
      if (!(await sleep(period, signal))) return;
    }
  }
}
