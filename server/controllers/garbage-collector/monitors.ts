/**
 * The garbage collector's monitors: a shared informer for every followed resource, its events
 * fed to the ownership graph. They follow discovery — a CRD's kind is followed once it is
 * served, and let go when it no longer is. Informers are shared with other controllers (the
 * pod informer costs nothing extra), so letting go means dropping our handlers, not stopping
 * the informer.
 */
import type { Client, KubeObject } from "../../../plugins/client.ts";
import type { Logger } from "../../../plugins/mod.ts";
import type { GraphObject, OwnershipGraph } from "./graph.ts";
import type { ResourceResolver } from "./resources.ts";

export class Monitors {
  readonly #client: Client;
  readonly #graph: OwnershipGraph;
  readonly #resources: ResourceResolver;
  readonly #log: Logger;
  /** "apiVersion/resource" → drops our handlers. */
  readonly #active = new Map<string, () => void>();

  constructor(client: Client, graph: OwnershipGraph, resources: ResourceResolver, log: Logger) {
    this.#client = client;
    this.#graph = graph;
    this.#resources = resources;
    this.#log = log;
  }

  get count(): number {
    return this.#active.size;
  }

  /**
   * Starts monitors for newly served resources and stops those of resources gone. Every new
   * informer is started (loaded) before any handler is attached, so that a graph built at start
   * holds every kind's objects before the collector acts on it.
   */
  async sync(signal: AbortSignal): Promise<void> {
    this.#resources.refresh();
    const wanted = new Map(this.#resources.followed().map((r) => [`${r.apiVersion}/${r.resource}`, r]));
    for (const [key, stop] of this.#active) {
      if (wanted.has(key)) continue;
      stop();
      this.#active.delete(key);
      this.#log.debug("stopped following a resource", { resource: key });
    }
    const fresh = [...wanted].filter(([key]) => !this.#active.has(key));
    const informers = fresh.map(([key, r]) => ({ key, informer: this.#client.informer<KubeObject>({ apiVersion: r.apiVersion, resource: r.resource }) }));
    const started = await Promise.allSettled(informers.map((i) => i.informer.start(signal)));
    informers.forEach(({ key, informer }, i) => {
      if (signal.aborted || this.#active.has(key)) return;
      if (started[i].status === "rejected") {
        this.#log.warn("cannot follow a resource", { resource: key, error: (started[i] as PromiseRejectedResult).reason });
        return;
      }
      const graph = this.#graph;
      const off = informer.on({
        add: (o) => graph.observe(o as GraphObject),
        update: (old, o) => graph.observe(o as GraphObject, old as GraphObject),
        delete: (o) => graph.forget(o as GraphObject),
      });
      this.#active.set(key, off);
    });
  }

  stop(): void {
    for (const stop of this.#active.values()) stop();
    this.#active.clear();
  }
}
