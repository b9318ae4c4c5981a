/**
 * The scheduler's picture of the cluster: every node with the pods assigned to it, fed by the
 * node and pod informers and by the scheduler itself. A pod is "assumed" on its node as soon as
 * the scheduler picks the node — before the binding call returns — so that the next pod sees
 * the capacity taken; the informer's copy of the bound pod later confirms it, and a failed
 * binding forgets it. (Upstream's internal/cache, without the snapshot copy: one loop reads it.)
 */
import { NodeInfo } from "./node-info.ts";
import type { Node, Pod } from "./types.ts";

export class SchedulerCache {
  readonly #nodes = new Map<string, NodeInfo>();
  /** Nodes that exist (a NodeInfo may outlive its Node while pods still point at it). */
  readonly #present = new Set<string>();
  #list: NodeInfo[] = [];
  #listDirty = false;
  /** uid -> the node a pod occupies. */
  readonly #podNode = new Map<string, string>();
  readonly #assumed = new Set<string>();
  /** Nodes holding pods with any pod (anti-)affinity: the only ones inter-pod checks must visit. */
  readonly #affinityNodes = new Set<NodeInfo>();

  #info(name: string): NodeInfo {
    let info = this.#nodes.get(name);
    if (!info) {
      info = new NodeInfo({ metadata: { name } });
      this.#nodes.set(name, info);
    }
    return info;
  }

  /** Nodes that exist, in a stable order (the sampling start index walks it). */
  nodes(): readonly NodeInfo[] {
    if (this.#listDirty) {
      this.#list = [...this.#present].map((n) => this.#nodes.get(n)!);
      this.#listDirty = false;
    }
    return this.#list;
  }

  node(name: string): NodeInfo | undefined {
    return this.#present.has(name) ? this.#nodes.get(name) : undefined;
  }

  get nodeCount(): number {
    return this.#present.size;
  }

  affinityNodes(): ReadonlySet<NodeInfo> {
    return this.#affinityNodes;
  }

  setNode(node: Node): void {
    const name = node.metadata.name!;
    const existing = this.#nodes.get(name);
    if (existing) existing.setNode(node);
    else this.#nodes.set(name, new NodeInfo(node));
    if (!this.#present.has(name)) {
      this.#present.add(name);
      this.#listDirty = true;
    }
  }

  removeNode(name: string): void {
    if (!this.#present.delete(name)) return;
    this.#listDirty = true;
    const info = this.#nodes.get(name);
    if (info && info.pods.size === 0) this.#nodes.delete(name);
  }

  #place(pod: Pod, nodeName: string): void {
    const uid = pod.metadata.uid!;
    const previous = this.#podNode.get(uid);
    if (previous !== undefined && previous !== nodeName) this.#unplace(uid);
    const info = this.#info(nodeName);
    info.addPod(pod);
    this.#podNode.set(uid, nodeName);
    if (info.podsWithAffinity.size) this.#affinityNodes.add(info);
  }

  #unplace(uid: string): void {
    const nodeName = this.#podNode.get(uid);
    if (nodeName === undefined) return;
    this.#podNode.delete(uid);
    const info = this.#nodes.get(nodeName);
    if (!info) return;
    info.removePod(uid);
    if (!info.podsWithAffinity.size) this.#affinityNodes.delete(info);
    if (info.pods.size === 0 && !this.#present.has(nodeName)) this.#nodes.delete(nodeName);
  }

  /** An assigned pod as the informer has it (add or update); confirms an assumed pod. */
  setPod(pod: Pod): void {
    const uid = pod.metadata.uid!;
    this.#assumed.delete(uid);
    this.#place(pod, pod.spec.nodeName!);
  }

  removePod(pod: Pod): void {
    const uid = pod.metadata.uid!;
    this.#assumed.delete(uid);
    this.#unplace(uid);
  }

  /** Takes `pod`'s place on `nodeName` before the binding is written; returns the assumed copy. */
  assume(pod: Pod, nodeName: string): Pod {
    const assumed: Pod = { ...pod, spec: { ...pod.spec, nodeName } };
    this.#place(assumed, nodeName);
    this.#assumed.add(pod.metadata.uid!);
    return assumed;
  }

  /** The binding failed: give the place back, unless the informer has since confirmed it. */
  forget(pod: Pod): void {
    const uid = pod.metadata.uid!;
    if (!this.#assumed.delete(uid)) return;
    this.#unplace(uid);
  }

  isAssumed(uid: string): boolean {
    return this.#assumed.has(uid);
  }

  /** The node a pod occupies in the cache, if any. */
  nodeOf(uid: string): string | undefined {
    return this.#podNode.get(uid);
  }
}
