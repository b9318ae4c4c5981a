/**
 * A DaemonSet's ControllerRevisions (constructHistory / cleanupHistory): one revision per
 * distinct pod template, named `<ds>-<hash>`, holding the patch that restores the template
 * (`{"spec":{"template":{..., "$patch":"replace"}}}`, which `kubectl rollout undo` applies) and
 * the `controller-revision-hash` label that the DaemonSet's pods carry. Going back to an older
 * template reuses its revision with a new, highest number. Old revisions no pod uses are trimmed
 * to revisionHistoryLimit.
 */
import type { ResourceClient } from "../../../plugins/client.ts";
import { isClientError } from "../../../plugins/client.ts";
import { canonicalJson, computeHash } from "../pod-template-hash.ts";
import { newControllerRef, type Pod } from "../pod-status.ts";
import { type ControllerRevision, type DaemonSet, REVISION_HASH_LABEL } from "./types.ts";

export interface History {
  current: ControllerRevision;
  hash: string;
  old: ControllerRevision[];
}

/** getPatch: the revision data that restores this DaemonSet's template. */
export function revisionData(ds: DaemonSet): unknown {
  return { spec: { template: { ...structuredClone(ds.spec.template), $patch: "replace" } } };
}

/** Thrown after a hash collision was recorded in status.collisionCount: sync again. */
export class HashCollision extends Error {
  override name = "HashCollision";
}

export async function constructHistory(
  ds: DaemonSet,
  owned: ControllerRevision[],
  revisions: ResourceClient<ControllerRevision>,
  bumpCollisionCount: () => Promise<void>,
): Promise<History> {
  const data = revisionData(ds);
  const text = canonicalJson(data);
  const matching = owned.filter((r) => canonicalJson(r.data) === text).sort((a, b) => b.revision - a.revision);
  const maxRevision = owned.reduce((m, r) => Math.max(m, r.revision ?? 0), 0);
  let current = matching[0];
  if (current) {
    if (current.revision < maxRevision) {
      current = await revisions.update({ ...structuredClone(current), revision: maxRevision + 1 });
    }
  } else {
    const hash = computeHash(ds.spec.template, ds.status?.collisionCount);
    const revision: ControllerRevision = {
      apiVersion: "apps/v1",
      kind: "ControllerRevision",
      metadata: {
        name: `${ds.metadata.name}-${hash}`,
        namespace: ds.metadata.namespace,
        labels: { ...(ds.spec.template?.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: hash },
        ownerReferences: [newControllerRef(ds, "apps/v1", "DaemonSet")],
      },
      data,
      revision: maxRevision + 1,
    };
    try {
      current = await revisions.create(revision);
    } catch (err) {
      if (!isClientError(err, 409)) throw err;
      const existing = await revisions.get(revision.metadata.name!, ds.metadata.namespace);
      if (existing && existing.metadata.ownerReferences?.some((r) => r.uid === ds.metadata.uid) && canonicalJson(existing.data) === text) {
        current = existing;
      } else {
        // Same name, other content: count the collision so that the next hash differs.
        await bumpCollisionCount();
        throw new HashCollision(`controller revision ${revision.metadata.name} exists with other content`);
      }
    }
  }
  const hash = current.metadata.labels?.[REVISION_HASH_LABEL] ?? computeHash(ds.spec.template, ds.status?.collisionCount);
  return { current, hash, old: owned.filter((r) => r.metadata.uid !== current.metadata.uid) };
}

/** Old revisions beyond revisionHistoryLimit that no pod of the DaemonSet still runs. */
export function revisionsToTrim(ds: DaemonSet, old: ControllerRevision[], pods: Pod[]): ControllerRevision[] {
  const limit = ds.spec.revisionHistoryLimit ?? 10;
  const live = new Set(pods.map((p) => p.metadata.labels?.[REVISION_HASH_LABEL]).filter(Boolean));
  const unused = old.filter((r) => !live.has(r.metadata.labels?.[REVISION_HASH_LABEL]) && !r.metadata.deletionTimestamp).sort((a, b) => a.revision - b.revision);
  return unused.slice(0, Math.max(0, unused.length - limit));
}
