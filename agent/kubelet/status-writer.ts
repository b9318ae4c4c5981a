/**
 * Writes pod statuses to the API, as the kubelet's status manager does: the latest status of a
 * pod replaces any not yet written (a pod that goes Pending -> Running within one write costs one
 * write), a status equal to the last one written is not written again, and a few writes run at
 * once, however many pods and nodes there are. One writer serves every kubelet of a process.
 *
 * Writes are merge patches of the status subresource (the kubelet owns the whole status but for
 * conditions it keeps); before writing, the pod's uid is checked against the informer's copy, so
 * that a status is never written onto a newer pod of the same name.
 */
import { yieldToLoop } from "../../plugins/kit/yield.ts";
import { type Client, isClientError } from "../../plugins/client.ts";
import type { Logger } from "../../plugins/mod.ts";
import type { Pod, PodStatusJson } from "./types.ts";

const PODS = { apiVersion: "v1", resource: "pods" };

interface Pending {
  namespace: string;
  name: string;
  uid: string;
  status: PodStatusJson;
  json: string;
  waiters: (() => void)[];
}

export interface StatusWriterOptions {
  client: Client;
  log: Logger;
  /** The pod as the informer has it now (undefined when gone). */
  current(namespace: string, name: string): Pod | undefined;
  /** Writes at once (default 8). */
  concurrency?: number;
}

/** A short fingerprint of a status (FNV-1a), so that 30,000 pods do not keep their last status twice. */
function fingerprint(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class StatusWriter {
  readonly #o: StatusWriterOptions;
  readonly #pending = new Map<string, Pending>();
  readonly #queue: string[] = [];
  readonly #written = new Map<string, number>();
  #active = 0;
  #stopped = false;

  constructor(options: StatusWriterOptions) {
    this.#o = options;
  }

  /** Queues `status` for `pod`; resolves once it is written (or found unnecessary, or dropped). */
  set(pod: Pod, status: PodStatusJson): Promise<void> {
    const uid = pod.metadata.uid!;
    const json = JSON.stringify(status);
    const print = fingerprint(json);
    const pending = this.#pending.get(uid);
    if (!pending && this.#written.get(uid) === print) return Promise.resolve();
    return new Promise((resolve) => {
      if (pending) {
        pending.status = status;
        pending.json = json;
        pending.waiters.push(resolve);
        return;
      }
      this.#pending.set(uid, { namespace: pod.metadata.namespace!, name: pod.metadata.name!, uid, status, json, waiters: [resolve] });
      this.#queue.push(uid);
      this.#pump();
    });
  }

  /** The pod is gone: forget what was written for it. */
  forget(uid: string): void {
    this.#written.delete(uid);
  }

  stop(): void {
    this.#stopped = true;
    for (const p of this.#pending.values()) for (const w of p.waiters) w();
    this.#pending.clear();
    this.#queue.length = 0;
  }

  #pump(): void {
    const limit = this.#o.concurrency ?? 8;
    while (!this.#stopped && this.#active < limit && this.#queue.length) {
      const uid = this.#queue.shift()!;
      const p = this.#pending.get(uid);
      if (!p) continue;
      this.#pending.delete(uid);
      this.#active++;
      void this.#write(p).finally(async () => {
        for (const w of p.waiters) w();
        // Yield to I/O between writes when the loop has been busy for a while.
        const pause = yieldToLoop();
        if (pause) await pause;
        this.#active--;
        this.#pump();
      });
    }
  }

  async #write(p: Pending): Promise<void> {
    const live = this.#o.current(p.namespace, p.name);
    if (!live || live.metadata.uid !== p.uid) return;
    try {
      await this.#o.client.resource<Pod>(PODS).patch(p.name, { status: p.status }, { type: "merge", subresource: "status", namespace: p.namespace });
      this.#written.set(p.uid, fingerprint(p.json));
    } catch (err) {
      if (isClientError(err, 404)) return;
      this.#o.log.warn("pod status not written; retrying in a second", { pod: `${p.namespace}/${p.name}`, error: String((err as Error).message ?? err) });
      this.#written.delete(p.uid);
      const retry = setTimeout(() => {
        if (this.#stopped || this.#pending.has(p.uid)) return;
        this.#pending.set(p.uid, { ...p, waiters: [] });
        this.#queue.push(p.uid);
        this.#pump();
      }, 1000);
      (retry as { unref?: () => void }).unref?.();
    }
  }
}
