/**
 * The node's heartbeat Lease (kube-node-lease/<node>), as the kubelet's nodelease controller
 * keeps it: holder = the node, 40 s duration, renewed every 10 s, owned by the Node (so that the
 * Lease goes with it). The last Lease written is kept, so that a renewal is one conditional
 * update; a conflict or a missing Lease costs one more call.
 */
import { type Client, isClientError, type KubeObject } from "../../plugins/client.ts";

const LEASES = { apiVersion: "coordination.k8s.io/v1", resource: "leases" };
export const NODE_LEASE_NAMESPACE = "kube-node-lease";

interface Lease extends KubeObject {
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string };
}

/** MicroTime, as Leases carry it. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "000Z");
}

export class NodeLease {
  readonly #client: Client;
  readonly #node: { name: string; uid?: string };
  readonly #durationSeconds: number;
  #lease: Lease | undefined;

  constructor(client: Client, node: { name: string; uid?: string }, durationSeconds = 40) {
    this.#client = client;
    this.#node = node;
    this.#durationSeconds = durationSeconds;
  }

  setNodeUid(uid: string | undefined): void {
    this.#node.uid = uid;
  }

  get renewTime(): string | undefined {
    return this.#lease?.spec.renewTime;
  }

  /** Creates or renews the Lease. */
  async renew(now = Date.now()): Promise<void> {
    const leases = this.#client.resource<Lease>(LEASES);
    const spec = { holderIdentity: this.#node.name, leaseDurationSeconds: this.#durationSeconds, renewTime: microTime(now) };
    for (let attempt = 0; attempt < 3; attempt++) {
      if (!this.#lease) this.#lease = await leases.get(this.#node.name, NODE_LEASE_NAMESPACE);
      try {
        if (!this.#lease) {
          this.#lease = await leases.create({
            apiVersion: "coordination.k8s.io/v1",
            kind: "Lease",
            metadata: {
              name: this.#node.name,
              namespace: NODE_LEASE_NAMESPACE,
              ...(this.#node.uid ? { ownerReferences: [{ apiVersion: "v1", kind: "Node", name: this.#node.name, uid: this.#node.uid }] } : {}),
            },
            spec,
          });
        } else {
          this.#lease = await leases.update({ ...this.#lease, spec: { ...this.#lease.spec, ...spec } });
        }
        return;
      } catch (err) {
        // Someone else wrote it (or it went): read it again and retry.
        if (isClientError(err, 409) || isClientError(err, 404)) this.#lease = undefined;
        else throw err;
      }
    }
    throw new Error(`could not renew the node lease ${NODE_LEASE_NAMESPACE}/${this.#node.name}: it kept changing`);
  }
}
