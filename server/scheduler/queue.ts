/**
 * The scheduling queue, after upstream's PriorityQueue: an active queue (highest priority
 * first, then oldest), a back-off queue (a pod that failed waits 1 s, doubling per attempt up to
 * 10 s: podInitialBackoff / podMaxBackoff) and the unschedulable pods, which wait for a cluster
 * change that could help them — a node added or changed, a pod deleted — and are moved back
 * (through back-off when theirs has not yet passed), or are flushed after five minutes anyway.
 * A change seen while a pod was being scheduled sends that pod to back-off rather than to the
 * unschedulable set (moveRequestCycle), so that no event is lost in between.
 *
 * Heap entries are removed lazily: an entry counts only while its sequence number is the pod's.
 */
import { Heap } from "./heap.ts";
import { podKey, type Pod } from "./types.ts";

export interface QueueOptions {
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** How long an unschedulable pod waits for an event before it is retried anyway. */
  maxUnschedulableMs?: number;
  priorityOf(pod: Pod): number;
  now?: () => number;
}

type Where = "active" | "backoff" | "unschedulable" | "inflight";

export interface QueuedPod {
  key: string;
  pod: Pod;
  /** Scheduling attempts so far (each pop counts one). */
  attempts: number;
  /** When it entered its current queue (orders equal priorities; dates the last failure). */
  timestamp: number;
  /** The plugins that rejected it last: only events that can help them move it. */
  rejectors: Set<string>;
  where: Where;
  seq: number;
}

interface Entry {
  info: QueuedPod;
  seq: number;
  priority: number;
  at: number;
  /** Arrival order: pods added in the same millisecond keep it. */
  order: number;
}

/** Which events may help pods rejected by which plugin (a reduced form of upstream's EventsToRegister). */
export type ClusterEvent = "NodeAdd" | "NodeUpdate" | "AssignedPodAdd" | "AssignedPodUpdate" | "AssignedPodDelete" | "Other";

const HELPS: Record<ClusterEvent, ReadonlySet<string> | "all"> = {
  NodeAdd: "all",
  NodeUpdate: "all",
  AssignedPodAdd: new Set(["InterPodAffinity", "PodTopologySpread"]),
  AssignedPodUpdate: new Set(["InterPodAffinity", "PodTopologySpread", "NodeResourcesFit", "NodePorts"]),
  AssignedPodDelete: new Set(["InterPodAffinity", "PodTopologySpread", "NodeResourcesFit", "NodePorts", "DefaultPreemption"]),
  Other: "all",
};

export class SchedulingQueue {
  readonly #o: Required<QueueOptions>;
  readonly #pods = new Map<string, QueuedPod>();
  readonly #active: Heap<Entry>;
  readonly #backoff: Heap<Entry>;
  readonly #unschedulable = new Map<string, QueuedPod>();
  readonly #waiters: Array<(info: QueuedPod | undefined) => void> = [];
  #backoffTimer: ReturnType<typeof setTimeout> | undefined;
  #backoffTimerAt = Infinity;
  #flushTimer: ReturnType<typeof setInterval> | undefined;
  #pendingEvents = new Set<ClusterEvent>();
  #eventsScheduled = false;
  #closed = false;
  schedulingCycle = 0;
  #moveRequestCycle = -1;
  #activeCount = 0;
  #order = 0;

  constructor(options: QueueOptions) {
    this.#o = { initialBackoffMs: 1_000, maxBackoffMs: 10_000, maxUnschedulableMs: 5 * 60_000, now: () => Date.now(), ...options };
    this.#active = new Heap<Entry>((a, b) => a.priority > b.priority || (a.priority === b.priority && (a.at < b.at || (a.at === b.at && a.order < b.order))));
    this.#backoff = new Heap<Entry>((a, b) => a.at < b.at || (a.at === b.at && a.order < b.order));
  }

  /** Starts the periodic flush of long-unschedulable pods; stops with `signal`. */
  start(signal: AbortSignal): void {
    this.#flushTimer = setInterval(() => this.#flushUnschedulable(), 30_000);
    (this.#flushTimer as { unref?: () => void }).unref?.();
    signal.addEventListener("abort", () => this.close(), { once: true });
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#flushTimer);
    clearTimeout(this.#backoffTimer);
    for (const w of this.#waiters.splice(0)) w(undefined);
  }

  /** Pods waiting in the active queue (for tests and metrics). */
  get activeLength(): number {
    return this.#activeCount;
  }

  get unschedulableLength(): number {
    return this.#unschedulable.size;
  }

  has(pod: Pod): boolean {
    return this.#pods.has(podKey(pod));
  }

  /** A new pending pod: straight to the active queue. */
  add(pod: Pod): void {
    const key = podKey(pod);
    const existing = this.#pods.get(key);
    if (existing) {
      existing.pod = pod;
      return;
    }
    const info: QueuedPod = { key, pod, attempts: 0, timestamp: this.#o.now(), rejectors: new Set(), where: "active", seq: 0 };
    this.#pods.set(key, info);
    this.#toActive(info);
  }

  /** A pending pod changed: keep the newest object; a spec or label change retries an unschedulable pod. */
  update(pod: Pod, meaningful: boolean): void {
    const info = this.#pods.get(podKey(pod));
    if (!info) return this.add(pod);
    info.pod = pod;
    if (meaningful && info.where === "unschedulable") {
      this.#unschedulable.delete(info.key);
      if (this.#backoffExpiry(info) > this.#o.now()) this.#toBackoff(info);
      else this.#toActive(info);
    }
  }

  /** The pod is gone or bound: forget it wherever it waits. */
  delete(pod: Pod): void {
    const key = podKey(pod);
    const info = this.#pods.get(key);
    if (!info || (pod.metadata.uid && info.pod.metadata.uid && info.pod.metadata.uid !== pod.metadata.uid)) return;
    this.#remove(info);
  }

  #remove(info: QueuedPod): void {
    if (info.where === "active") this.#activeCount--;
    this.#pods.delete(info.key);
    this.#unschedulable.delete(info.key);
    info.seq++;
  }

  /** The next pod to schedule (highest priority, oldest); waits while there is none. */
  pop(): Promise<QueuedPod | undefined> {
    const next = this.#popActive();
    if (next || this.#closed) return Promise.resolve(next);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #popActive(): QueuedPod | undefined {
    for (;;) {
      const e = this.#active.pop();
      if (!e) return undefined;
      const info = e.info;
      if (e.seq !== info.seq || info.where !== "active" || this.#pods.get(info.key) !== info) continue;
      this.#activeCount--;
      info.where = "inflight";
      info.attempts++;
      this.schedulingCycle++;
      return info;
    }
  }

  /** A popped pod was scheduled (assumed): it leaves the queue. */
  done(info: QueuedPod): void {
    if (this.#pods.get(info.key) === info) this.#remove(info);
  }

  /**
   * A popped pod could not be scheduled. `error` (not a plain "fits nowhere") goes to back-off;
   * so does a pod that missed a cluster event while it was being scheduled.
   */
  requeue(info: QueuedPod, rejectors: Iterable<string>, cycle: number, error = false): void {
    if (this.#pods.get(info.key) !== info || this.#closed) return;
    info.rejectors = new Set(rejectors);
    info.timestamp = this.#o.now();
    if (error || this.#moveRequestCycle >= cycle) this.#toBackoff(info);
    else {
      info.where = "unschedulable";
      info.seq++;
      this.#unschedulable.set(info.key, info);
    }
  }

  #backoffDuration(info: QueuedPod): number {
    const n = Math.max(0, info.attempts - 1);
    return Math.min(this.#o.maxBackoffMs, this.#o.initialBackoffMs * 2 ** Math.min(n, 30));
  }

  #backoffExpiry(info: QueuedPod): number {
    return info.timestamp + this.#backoffDuration(info);
  }

  #toActive(info: QueuedPod): void {
    info.where = "active";
    info.seq++;
    this.#activeCount++;
    const waiter = this.#waiters.shift();
    if (waiter) {
      const popped = this.#popActiveWith(info);
      waiter(popped);
      return;
    }
    this.#active.push({ info, seq: info.seq, priority: this.#o.priorityOf(info.pod), at: info.timestamp, order: this.#order++ });
  }

  /** A waiter takes `info` at once (the active heap is empty whenever someone waits). */
  #popActiveWith(info: QueuedPod): QueuedPod {
    this.#activeCount--;
    info.where = "inflight";
    info.attempts++;
    this.schedulingCycle++;
    return info;
  }

  #toBackoff(info: QueuedPod): void {
    info.where = "backoff";
    info.seq++;
    const at = this.#backoffExpiry(info);
    this.#backoff.push({ info, seq: info.seq, priority: 0, at, order: this.#order++ });
    this.#armBackoffTimer(at);
  }

  #armBackoffTimer(at: number): void {
    if (this.#closed || at >= this.#backoffTimerAt) return;
    clearTimeout(this.#backoffTimer);
    this.#backoffTimerAt = at;
    this.#backoffTimer = setTimeout(() => {
      this.#backoffTimerAt = Infinity;
      this.#flushBackoff();
    }, Math.max(0, at - this.#o.now()));
    (this.#backoffTimer as { unref?: () => void }).unref?.();
  }

  #flushBackoff(): void {
    const now = this.#o.now();
    for (;;) {
      const e = this.#backoff.peek();
      if (!e) return;
      if (e.seq !== e.info.seq || e.info.where !== "backoff") {
        this.#backoff.pop();
        continue;
      }
      if (e.at > now) return this.#armBackoffTimer(e.at);
      this.#backoff.pop();
      this.#toActive(e.info);
    }
  }

  #flushUnschedulable(): void {
    const now = this.#o.now();
    for (const info of [...this.#unschedulable.values()]) {
      if (now - info.timestamp >= this.#o.maxUnschedulableMs) this.#move(info, now);
    }
  }

  #move(info: QueuedPod, now: number): void {
    this.#unschedulable.delete(info.key);
    if (this.#backoffExpiry(info) > now) this.#toBackoff(info);
    else this.#toActive(info);
  }

  /**
   * Something changed in the cluster that may help waiting pods. Moves are batched: many events
   * in one tick (a burst of bindings) cost one pass over the unschedulable pods.
   */
  onClusterEvent(event: ClusterEvent): void {
    this.#moveRequestCycle = this.schedulingCycle;
    if (!this.#unschedulable.size) return;
    this.#pendingEvents.add(event);
    if (this.#eventsScheduled) return;
    this.#eventsScheduled = true;
    queueMicrotask(() => {
      this.#eventsScheduled = false;
      const events = [...this.#pendingEvents];
      this.#pendingEvents.clear();
      this.#moveForEvents(events);
    });
  }

  #moveForEvents(events: ClusterEvent[]): void {
    const all = events.some((e) => HELPS[e] === "all");
    const now = this.#o.now();
    for (const info of [...this.#unschedulable.values()]) {
      const helped = all || info.rejectors.size === 0 ||
        events.some((e) => [...info.rejectors].some((r) => (HELPS[e] as ReadonlySet<string>).has(r)));
      if (helped) this.#move(info, now);
    }
  }
}
