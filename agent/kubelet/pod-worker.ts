/**
 * One pod's worker: drives the pod toward its spec through the Runtime, one sync at a time
 * (a poke during a sync makes one more), as upstream's pod workers and SyncPod do:
 *
 *   sandbox (with its IP) -> init containers in order, each to a 0 exit -> containers (images
 *   pulled by image-puller.ts) ->
 *   restarts per restartPolicy with CrashLoopBackOff back-off -> status
 *
 * and on the way out: a pod with a deletionTimestamp has its containers stopped within its grace
 * period, its sandbox stopped, its final status written, and its deletion confirmed (grace 0,
 * uid precondition); a pod that reached Succeeded or Failed has its sandbox stopped (its IP
 * released) and is left alone; a pod gone from the API has its sandbox removed.
 *
 * A worker holds no timer while nothing is due; runtime events and informer updates poke it.
 */
import { type Client, isClientError } from "../../plugins/client.ts";
import type { Logger } from "../../plugins/mod.ts";
import { type ContainerStatus, type PodSandboxConfig, RuntimeNotFoundError, type Runtime } from "../runtime/mod.ts";
import type { BackOff } from "./backoff.ts";
import { adoptSandbox } from "./adopt.ts";
import { ContainerConfigError } from "./env.ts";
import type { KubeletEvents } from "./events.ts";
import { ImagePuller } from "./image-puller.ts";
import { type PodSetup, plainSetup } from "./pod-setup.ts";
import { computePodStatus, KUBELET_CONDITIONS, type PodRuntimeView, type WaitingReason } from "./pod-status.ts";
import type { Prober } from "./prober.ts";
import { containerConfig, sandboxConfig } from "./runtime-configs.ts";
import type { StatusWriter } from "./status-writer.ts";
import type { Pod, PodContainer, PodStatusJson } from "./types.ts";
import { VolumeError } from "./volumes/projections.ts";

const PODS = { apiVersion: "v1", resource: "pods" };
/** How soon a failed sandbox or container creation is tried again. */
const RETRY_MS = 2_000;

export interface PodWorkerContext {
  nodeName: string;
  runtime: Runtime;
  runtimeName: string;
  hostIPs(): string[];
  client: Client;
  status: StatusWriter;
  prober: Prober;
  /** Volumes, env from the API, resources, hooks: real runtimes' (plainSetup when absent). */
  setup?: PodSetup;
  backOff: BackOff;
  events: KubeletEvents;
  log: Logger;
  signal: AbortSignal;
  /** The worker's sandbox changed (runtime events name sandboxes). */
  sandboxChanged(worker: PodWorker, previous: string | undefined, next: string | undefined): void;
  /** The worker is done: the pod is gone and its sandbox removed. */
  finished(worker: PodWorker): void;
}

interface Sandbox {
  id: string;
  ip?: string;
  ready: boolean;
  config: PodSandboxConfig;
}

/** Go's time.Duration formatting of whole seconds, as the CrashLoopBackOff message shows it. */
function goDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${s % 60}s` : `${Math.floor(m / 60)}h${m % 60}m${s % 60}s`;
}

export class PodWorker {
  readonly uid: string;
  #pod: Pod;
  readonly #ctx: PodWorkerContext;
  #sandbox: Sandbox | undefined;
  /** The runtime's containers of each container name, newest first (at most two: for lastState and logs --previous). */
  readonly #history = new Map<string, ContainerStatus[]>();
  readonly #waiting = new Map<string, WaitingReason>();
  readonly #images: ImagePuller;
  #lastStatus: PodStatusJson | undefined;
  #gone = false;
  #confirmed = false;
  /** Whether the runtime was asked for a sandbox of this pod left by an earlier kubelet. */
  #adoptionTried = false;
  #busy = false;
  #again = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Infinity;

  constructor(pod: Pod, ctx: PodWorkerContext) {
    this.uid = pod.metadata.uid!;
    this.#pod = pod;
    this.#ctx = ctx;
    this.#images = new ImagePuller(this.uid, ctx.runtime, ctx.backOff, ctx.events, ctx.client);
  }

  get pod(): Pod {
    return this.#pod;
  }

  get sandboxId(): string | undefined {
    return this.#sandbox?.id;
  }

  get #setup(): PodSetup {
    return this.#ctx.setup ?? plainSetup;
  }

  #podIPs(): string[] {
    return this.#sandbox?.ready && this.#sandbox.ip ? [this.#sandbox.ip] : [];
  }

  /**
   * Takes over the sandbox and containers that an earlier kubelet left running for this pod
   * (matched by the io.kubernetes.pod.uid label), so that an agent restart restarts nothing.
   */
  async #adopt(): Promise<void> {
    this.#adoptionTried = true;
    const found = await adoptSandbox(this.#ctx.runtime, this.uid);
    if (!found) return;
    const config = this.#setup.sandbox(this.#pod, sandboxConfig(this.#pod));
    this.#sandbox = { id: found.sandbox.id, ip: found.sandbox.network?.ip, ready: true, config };
    this.#ctx.sandboxChanged(this, undefined, found.sandbox.id);
    const specs = [...(this.#pod.spec.initContainers ?? []), ...this.#pod.spec.containers];
    for (const [name, list] of found.containers) {
      this.#history.set(name, list);
      const spec = specs.find((c) => c.name === name);
      if (spec && list[0]?.state === "CONTAINER_RUNNING") this.#ctx.prober.started({ pod: this.#pod, container: spec, containerId: list[0].id, podIP: this.#sandbox.ip });
    }
    this.#ctx.log.info("adopted a running pod sandbox", { pod: this.#key(), sandbox: found.sandbox.id, containers: found.containers.size });
  }

  /** preStop, then TERM..KILL within what is left of the grace period. */
  async #stopContainer(name: string, id: string, graceSeconds: number): Promise<void> {
    const spec = [...(this.#pod.spec.initContainers ?? []), ...this.#pod.spec.containers].find((c) => c.name === name);
    let left = graceSeconds;
    if (spec) left = await this.#setup.preStop({ pod: this.#pod, container: spec, containerId: id, podIP: this.#sandbox?.ip }, graceSeconds);
    await this.#ctx.runtime.stopContainer(id, left);
  }

  /** The pod changed in the API. */
  update(pod: Pod): void {
    this.#pod = pod;
    this.poke();
  }

  /** The pod is gone from the API. */
  remove(): void {
    this.#gone = true;
    this.poke();
  }

  /** Something may have changed (runtime event, timer, network ready): sync again. */
  poke(): void {
    if (this.#ctx.signal.aborted) return;
    if (this.#busy) {
      this.#again = true;
      return;
    }
    this.#busy = true;
    void this.#run();
  }

  async #run(): Promise<void> {
    try {
      do {
        this.#again = false;
        await this.#sync();
      } while (this.#again && !this.#ctx.signal.aborted);
    } catch (err) {
      if (!this.#ctx.signal.aborted) {
        this.#ctx.log.warn("pod sync failed; retrying", { pod: this.#key(), error: String((err as Error).message ?? err) });
        this.#wakeAt(Date.now() + RETRY_MS);
      }
    } finally {
      this.#busy = false;
    }
  }

  #key(): string {
    return `${this.#pod.metadata.namespace}/${this.#pod.metadata.name}`;
  }

  /** Pokes the worker at `at` (epoch ms), unless an earlier wake-up is already set. */
  #wakeAt(at: number): void {
    if (at >= this.#timerAt || this.#ctx.signal.aborted) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      this.poke();
    }, Math.max(0, at - Date.now()));
    // A wake-up is no reason to keep the process alive: a stopped agent's workers are not
    // cleared one by one (their next volume resync was 30 s away, and Node waited for it).
    (this.#timer as { unref?: () => void }).unref?.();
  }

  #isTerminal(): boolean {
    const phase = this.#lastStatus?.phase ?? this.#pod.status?.phase;
    return phase === "Succeeded" || phase === "Failed";
  }

  async #sync(): Promise<void> {
    if (this.#gone) return this.#cleanup();
    if (this.#pod.metadata.deletionTimestamp) return this.#terminate();
    if (this.#isTerminal()) {
      // Finished before: nothing more runs (a kubelet restart must not run it again).
      if (this.#sandbox?.ready) await this.#stopSandbox();
      return;
    }
    const deadline = this.#deadline();
    if (deadline !== undefined && Date.now() >= deadline) return this.#deadlineExceeded();
    if (deadline !== undefined) this.#wakeAt(deadline);
    if (!this.#sandbox && !this.#adoptionTried) await this.#adopt();
    if (!this.#sandbox && !(await this.#runSandbox())) return;
    await this.#refresh();
    if (this.#sandbox?.ready && !(await this.#prepare())) return;
    const restartPolicy = this.#pod.spec.restartPolicy ?? "Always";
    let initDone = true;
    for (const c of this.#pod.spec.initContainers ?? []) {
      const latest = this.#history.get(c.name)?.[0];
      const sidecar = c.restartPolicy === "Always";
      if (!latest) {
        await this.#start(c, 0, true);
        initDone = false;
        break;
      }
      if (sidecar) {
        if (latest.state === "CONTAINER_EXITED") await this.#restart(c, latest, true);
        if (this.#history.get(c.name)?.[0]?.state !== "CONTAINER_RUNNING") {
          initDone = false;
          break;
        }
        continue;
      }
      if (latest.state !== "CONTAINER_EXITED") {
        initDone = false;
        break;
      }
      if (latest.exitCode === 0) continue;
      initDone = false;
      if (restartPolicy !== "Never") await this.#restart(c, latest, true);
      break;
    }
    if (initDone) {
      for (const c of this.#pod.spec.containers) {
        const latest = this.#history.get(c.name)?.[0];
        if (!latest) await this.#start(c, 0, false);
        else if (latest.state === "CONTAINER_RUNNING" && this.#ctx.prober.livenessFailed(this.uid, c.name)) {
          this.#ctx.events.event(this.#pod, "Normal", "Killing", `Container ${c.name} failed liveness probe, will be restarted`);
          await this.#stopContainer(c.name, latest.id, this.#pod.spec.terminationGracePeriodSeconds ?? 30);
        } else if (latest.state === "CONTAINER_EXITED" && (restartPolicy === "Always" || (restartPolicy === "OnFailure" && latest.exitCode !== 0))) {
          await this.#restart(c, latest, false);
        }
      }
    }
    let status = this.#status(false);
    if (status.phase === "Succeeded" || status.phase === "Failed") {
      // Done for good: the sandbox stops and its IP goes back to the pool (the status keeps it).
      await this.#stopSandbox();
      status = this.#status(false);
    }
    this.#report(status);
  }

  /** Creates the sandbox; false (with the pod waiting in ContainerCreating) when that failed. */
  async #runSandbox(): Promise<boolean> {
    const config = this.#setup.sandbox(this.#pod, sandboxConfig(this.#pod));
    try {
      const id = await this.#ctx.runtime.runPodSandbox(config);
      const s = await this.#ctx.runtime.podSandboxStatus(id);
      this.#sandbox = { id, ip: s.network?.ip, ready: s.state === "SANDBOX_READY", config };
      this.#ctx.sandboxChanged(this, undefined, id);
      return true;
    } catch (err) {
      const message = `Failed to create pod sandbox: ${(err as Error).message}`;
      this.#ctx.events.event(this.#pod, "Warning", "FailedCreatePodSandBox", message);
      this.#report(this.#status(false));
      this.#wakeAt(Date.now() + RETRY_MS);
      return false;
    }
  }

  /**
   * The pod's volumes, set up before its first container and refreshed when due; false (the pod
   * waits in ContainerCreating, with a FailedMount event) while they cannot be set up.
   */
  async #prepare(): Promise<boolean> {
    try {
      const due = await this.#setup.prepare(this.#pod, this.#podIPs());
      if (due !== undefined) this.#wakeAt(due);
      return true;
    } catch (err) {
      const message = (err as Error).message;
      const reason = err instanceof VolumeError ? "FailedMount" : "FailedPrepare";
      this.#ctx.events.event(this.#pod, "Warning", reason, `MountVolume.SetUp failed: ${message}`);
      this.#report(this.#status(false));
      this.#wakeAt(Date.now() + RETRY_MS);
      return false;
    }
  }

  /** Reads the current state of each name's newest container (older ones have exited and do not change). */
  async #refresh(): Promise<void> {
    for (const [name, list] of this.#history) {
      const latest = list[0];
      if (!latest || latest.state === "CONTAINER_EXITED") continue;
      try {
        list[0] = await this.#ctx.runtime.containerStatus(latest.id);
        if (list[0].state === "CONTAINER_EXITED") this.#ctx.prober.stopped(this.uid, name);
      } catch (err) {
        if (!(err instanceof RuntimeNotFoundError)) throw err;
        list.shift();
      }
    }
  }

  async #start(c: PodContainer, attempt: number, init: boolean): Promise<void> {
    const sandbox = this.#sandbox;
    if (!sandbox?.ready) return;
    const image = await this.#images.ensure(this.#pod, c, sandbox.config);
    if (!image.ready) {
      this.#waiting.set(c.name, image.waiting);
      this.#wakeAt(image.retryAt);
      return;
    }
    const runtime = this.#ctx.runtime;
    let id: string;
    try {
      const config = await this.#setup.container(this.#pod, c, containerConfig(this.#pod, c, attempt, init), this.#podIPs());
      id = await runtime.createContainer(sandbox.id, config, sandbox.config);
    } catch (err) {
      const message = (err as Error).message;
      const reason = err instanceof ContainerConfigError || err instanceof VolumeError ? "CreateContainerConfigError" : "CreateContainerError";
      this.#waiting.set(c.name, { reason, message });
      this.#ctx.events.event(this.#pod, "Warning", "Failed", `Error: ${message}`);
      this.#wakeAt(Date.now() + RETRY_MS);
      return;
    }
    this.#ctx.events.event(this.#pod, "Normal", "Created", `Created container ${c.name}`);
    const list = this.#history.get(c.name) ?? [];
    this.#history.set(c.name, list);
    let started = false;
    try {
      await runtime.startContainer(id);
      started = true;
      this.#ctx.events.event(this.#pod, "Normal", "Started", `Started container ${c.name}`);
    } catch (err) {
      this.#ctx.events.event(this.#pod, "Warning", "Failed", `Error: ${(err as Error).message}`);
      this.#waiting.set(c.name, { reason: "RunContainerError", message: (err as Error).message });
    }
    if (started) {
      const failed = await this.#setup.postStart({ pod: this.#pod, container: c, containerId: id, podIP: sandbox.ip });
      if (failed !== undefined) {
        this.#ctx.events.event(this.#pod, "Warning", "FailedPostStartHook", failed);
        await runtime.stopContainer(id, this.#pod.spec.terminationGracePeriodSeconds ?? 30);
      }
    }
    list.unshift(await runtime.containerStatus(id));
    // Keep the newest two (the previous one for lastState and logs --previous); remove the rest.
    for (const old of list.splice(2)) await runtime.removeContainer(old.id).catch(() => {});
    if (list[0].state === "CONTAINER_RUNNING") {
      this.#waiting.delete(c.name);
      this.#ctx.prober.started({ pod: this.#pod, container: c, containerId: id, podIP: sandbox.ip });
    }
  }

  /** Restarts an exited container, or waits out its back-off (CrashLoopBackOff). */
  async #restart(c: PodContainer, latest: ContainerStatus, init: boolean): Promise<void> {
    const key = `${this.uid}/${c.name}`;
    const until = this.#ctx.backOff.waitUntil(key, latest.finishedAt || Date.now());
    if (until > 0) {
      const m = this.#pod.metadata;
      this.#waiting.set(c.name, {
        reason: "CrashLoopBackOff",
        message: `back-off ${goDuration(this.#ctx.backOff.delay(key))} restarting failed container=${c.name} pod=${m.name}_${m.namespace}(${m.uid})`,
      });
      this.#ctx.events.event(this.#pod, "Warning", "BackOff", `Back-off restarting failed container ${c.name} in pod ${m.name}_${m.namespace}(${m.uid})`);
      this.#wakeAt(until);
      return;
    }
    this.#ctx.backOff.next(key);
    this.#waiting.delete(c.name);
    await this.#start(c, latest.metadata.attempt + 1, init);
  }

  #view(terminating: boolean): PodRuntimeView {
    const prober = this.#ctx.prober;
    return {
      sandbox: this.#sandbox && { id: this.#sandbox.id, ip: this.#sandbox.ready ? this.#sandbox.ip : undefined, ready: this.#sandbox.ready },
      containers: this.#history,
      waiting: this.#waiting,
      ready: (name) => prober.ready(this.uid, name),
      terminating,
    };
  }

  /**
   * The status now. Its base is the status this worker last computed (the informer's copy may
   * lag behind our own writes), with the conditions the kubelet does not own from the API.
   */
  #status(terminating: boolean): PodStatusJson {
    const api = this.#pod.status ?? {};
    const base = this.#lastStatus
      ? {
        ...api,
        ...this.#lastStatus,
        conditions: [
          ...(this.#lastStatus.conditions ?? []).filter((c) => KUBELET_CONDITIONS.has(c.type)),
          ...(api.conditions ?? []).filter((c) => !KUBELET_CONDITIONS.has(c.type)),
        ],
      }
      : api;
    return computePodStatus({ ...this.#pod, status: base }, this.#view(terminating), {
      runtimeName: this.#ctx.runtimeName,
      hostIPs: this.#ctx.hostIPs(),
      now: Date.now(),
    });
  }

  #report(status: PodStatusJson): Promise<void> {
    this.#lastStatus = status;
    return this.#ctx.status.set(this.#pod, status);
  }

  async #stopSandbox(): Promise<void> {
    if (!this.#sandbox?.ready) return;
    await this.#ctx.runtime.stopPodSandbox(this.#sandbox.id);
    this.#sandbox.ready = false;
    this.#ctx.prober.stopped(this.uid);
    await this.#refresh();
  }

  /** When spec.activeDeadlineSeconds runs out, counted from the pod's startTime. */
  #deadline(): number | undefined {
    const seconds = this.#pod.spec.activeDeadlineSeconds;
    const start = this.#lastStatus?.startTime ?? this.#pod.status?.startTime;
    return seconds === undefined || !start ? undefined : Date.parse(start) + seconds * 1000;
  }

  /** The pod ran past its activeDeadlineSeconds: everything stops and the pod Fails, as upstream's kubelet does. */
  async #deadlineExceeded(): Promise<void> {
    const message = "Pod was active on the node longer than the specified deadline";
    this.#ctx.events.event(this.#pod, "Normal", "DeadlineExceeded", message);
    await this.#stopAll(this.#pod.spec.terminationGracePeriodSeconds ?? 30);
    await this.#stopSandbox();
    await this.#refresh();
    this.#report({ ...this.#status(true), phase: "Failed", reason: "DeadlineExceeded", message });
  }

  /** Stops every container that has not exited; nothing waits to be restarted any more. */
  async #stopAll(graceSeconds: number): Promise<void> {
    const running: [string, ContainerStatus][] = [];
    for (const [name, list] of this.#history) if (list[0] && list[0].state !== "CONTAINER_EXITED") running.push([name, list[0]]);
    for (const [name] of running) this.#ctx.events.event(this.#pod, "Normal", "Killing", `Stopping container ${name}`);
    await Promise.all(running.map(([name, c]) => this.#stopContainer(name, c.id, graceSeconds)));
    this.#waiting.clear();
  }

  /** Graceful deletion: stop everything within the grace period, report, confirm the delete. */
  async #terminate(): Promise<void> {
    if (this.#confirmed) return;
    const pod = this.#pod;
    const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
    await this.#stopAll(grace);
    await this.#stopSandbox();
    await this.#refresh();
    if (this.#sandbox || this.#lastStatus) await this.#report(this.#status(true));
    try {
      await this.#ctx.client.resource(PODS).delete(pod.metadata.name!, pod.metadata.namespace, { gracePeriodSeconds: 0, preconditions: { uid: this.uid } });
    } catch (err) {
      // Gone already, or a newer pod of the same name: nothing of ours to confirm.
      if (!isClientError(err, 404) && !isClientError(err, 409)) throw err;
    }
    this.#confirmed = true;
  }

  /** The pod is gone from the API: remove what is left of it in the runtime. */
  async #cleanup(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const runtime = this.#ctx.runtime;
    if (this.#sandbox) {
      const id = this.#sandbox.id;
      await runtime.removePodSandbox(id);
      this.#sandbox = undefined;
      this.#ctx.sandboxChanged(this, id, undefined);
    }
    // Sandboxes an earlier kubelet left for this pod (it finished or went while we were down).
    for (const s of await runtime.listPodSandbox({ labelSelector: { "io.kubernetes.pod.uid": this.uid } })) await runtime.removePodSandbox(s.id);
    await this.#setup.cleanup(this.uid);
    this.#ctx.prober.stopped(this.uid);
    this.#ctx.backOff.forgetPrefix(`${this.uid}/`);
    this.#ctx.status.forget(this.uid);
    this.#history.clear();
    this.#ctx.finished(this);
  }
}
