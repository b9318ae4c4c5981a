/**
 * When each node was last heard from (upstream: nodeHealthMap's probeTimestamp). A node is heard
 * from when its Lease's renewTime moves or its Ready condition's heartbeat moves; the time
 * recorded is this controller's own clock at that moment, not the timestamp the kubelet wrote,
 * so that clock skew between machines cannot make a node look alive or dead. A node first seen
 * counts as heard from then: a restarted controller gives every node a full grace period.
 */
export interface NodeLike {
  metadata: { name?: string };
  status?: { conditions?: Array<{ type: string; status: string; lastHeartbeatTime?: string }> };
}

export interface LeaseLike {
  spec?: { renewTime?: string; holderIdentity?: string };
}

interface Probe {
  heardAt: number;
  renewTime?: string;
  heartbeat?: string;
}

export class NodeHealth {
  readonly #probes = new Map<string, Probe>();

  /** Notes what the node and its Lease say now; returns when the node was last heard from. */
  observe(node: NodeLike, lease: LeaseLike | undefined, now: number): number {
    const name = node.metadata.name!;
    const heartbeat = node.status?.conditions?.find((c) => c.type === "Ready")?.lastHeartbeatTime;
    const renewTime = lease?.spec?.renewTime;
    const probe = this.#probes.get(name);
    if (!probe) {
      this.#probes.set(name, { heardAt: now, renewTime, heartbeat });
      return now;
    }
    if (renewTime !== probe.renewTime || heartbeat !== probe.heartbeat) {
      // Only a newer renewal counts: a lease rewritten with an older time is no sign of life.
      const newer = (renewTime && (!probe.renewTime || renewTime > probe.renewTime)) || (heartbeat && (!probe.heartbeat || heartbeat > probe.heartbeat));
      if (newer) probe.heardAt = now;
      probe.renewTime = renewTime;
      probe.heartbeat = heartbeat;
    }
    return probe.heardAt;
  }

  forget(name: string): void {
    this.#probes.delete(name);
  }
}
