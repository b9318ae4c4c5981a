/**
 * The kubelets one process runs (one, or a thousand simulated), fed from shared informers: one
 * pod informer and one node informer for all of them, each event dispatched by node name. One
 * kubelet watches with field selectors on its own name (spec.nodeName=<node>, metadata.name=<node>)
 * as upstream's kubelet does, which is also all that a node's credentials may read; several watch
 * every bound pod (spec.nodeName!=) and every node.
 */
import type { Client, InformerOptions } from "../../plugins/client.ts";
import type { Kubelet } from "./kubelet.ts";
import type { NodeJson, Pod } from "./types.ts";

const PODS = { apiVersion: "v1", resource: "pods" };
const NODES = { apiVersion: "v1", resource: "nodes" };

export class KubeletSet {
  readonly #client: Client;
  readonly #kubelets = new Map<string, Kubelet>();
  #started = false;

  constructor(client: Client) {
    this.#client = client;
  }

  get kubelets(): Kubelet[] {
    return [...this.#kubelets.values()];
  }

  get(name: string): Kubelet | undefined {
    return this.#kubelets.get(name);
  }

  /** Adds a started kubelet (before `start`). */
  add(kubelet: Kubelet): void {
    if (this.#started) throw new Error("kubelets are added before the set starts");
    this.#kubelets.set(kubelet.name, kubelet);
  }

  /** Starts the informers and feeds every kubelet its pods and node; resolves once they are synced. */
  async start(signal: AbortSignal): Promise<void> {
    this.#started = true;
    const single = this.#kubelets.size === 1 ? [...this.#kubelets.keys()][0] : undefined;
    const podScope: InformerOptions = { fieldSelector: single ? `spec.nodeName=${single}` : "spec.nodeName!=" };
    const nodeScope: InformerOptions = single ? { fieldSelector: `metadata.name=${single}` } : {};
    const pods = this.#client.informer<Pod>(PODS, podScope);
    const nodes = this.#client.informer<NodeJson>(NODES, nodeScope);
    const forPod = (pod: Pod) => (pod.spec?.nodeName ? this.#kubelets.get(pod.spec.nodeName) : undefined);
    const offNodes = nodes.on({
      add: (n) => this.#kubelets.get(n.metadata.name!)?.nodeChanged(n),
      update: (_, n) => this.#kubelets.get(n.metadata.name!)?.nodeChanged(n),
    });
    const offPods = pods.on({
      add: (p) => forPod(p)?.podChanged(p),
      update: (_, p) => forPod(p)?.podChanged(p),
      delete: (p) => forPod(p)?.podDeleted(p),
    });
    signal.addEventListener("abort", () => {
      offNodes();
      offPods();
    }, { once: true });
    await Promise.all([nodes.start(signal), pods.start(signal)]);
    // Every pod of these nodes has its worker now: what the runtimes hold beyond them is left over.
    for (const k of this.#kubelets.values()) void k.removeOrphans();
  }
}
