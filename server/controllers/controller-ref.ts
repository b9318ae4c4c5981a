/**
 * Claiming objects for a controller, after client-go's ControllerRefManager: of the objects a
 * controller owns, it keeps those its selector still matches and releases the others; of the
 * orphans in its namespace, it adopts those its selector matches. Nothing is adopted or released
 * while the owner is being deleted (the garbage collector is at work). Adoption and release are
 * patches conditional on the object's resourceVersion, so that two controllers racing for one
 * orphan cannot both win.
 */
import type { KubeObject, ResourceClient } from "../../plugins/client.ts";
import { isClientError } from "../../plugins/client.ts";
import type { LabelSelector } from "../api/selectors/labels.ts";

type OwnerRef = NonNullable<KubeObject["metadata"]["ownerReferences"]>[number];

export interface ClaimInput<T extends KubeObject> {
  owner: KubeObject;
  /** The reference to put on adopted objects (controller: true). */
  ref: OwnerRef;
  selector: LabelSelector;
  /** Objects whose controller reference is the owner's uid. */
  owned: readonly T[];
  /** Objects without a controller in the owner's namespace. */
  orphans: readonly T[];
  resource: ResourceClient<T>;
  /** A further condition for belonging, besides the selector (a StatefulSet's pods are named after it). */
  filter?: (o: T) => boolean;
}

/** The objects that belong to the owner after adoption and release. */
export async function claimObjects<T extends KubeObject>(input: ClaimInput<T>): Promise<T[]> {
  const { owner } = input;
  const matches = (o: T) => input.selector.matches(o.metadata.labels) && (!input.filter || input.filter(o));
  const deleting = Boolean(owner.metadata.deletionTimestamp);
  const claimed: T[] = [];
  const work: Promise<void>[] = [];
  for (const o of input.owned) {
    if (matches(o)) claimed.push(o);
    else if (!deleting) work.push(release(input.resource, o, owner.metadata.uid!));
  }
  if (!deleting) {
    for (const o of input.orphans) {
      if (o.metadata.deletionTimestamp || !matches(o)) continue;
      work.push(adopt(input.resource, o, input.ref).then((adopted) => {
        if (adopted) claimed.push(adopted);
      }));
    }
  }
  await Promise.all(work);
  return claimed;
}

async function adopt<T extends KubeObject>(resource: ResourceClient<T>, o: T, ref: OwnerRef): Promise<T | undefined> {
  const refs = [...(o.metadata.ownerReferences ?? []).filter((r) => r.uid !== ref.uid), ref];
  try {
    return await resource.patch(o.metadata.name!, { metadata: { ownerReferences: refs, resourceVersion: o.metadata.resourceVersion } }, { type: "merge", namespace: o.metadata.namespace });
  } catch (err) {
    // Gone: nothing to adopt. A conflict (changed since we looked) fails the sync, which retries
    // on the newer object.
    if (isClientError(err, 404)) return undefined;
    throw err;
  }
}

async function release<T extends KubeObject>(resource: ResourceClient<T>, o: T, ownerUid: string): Promise<void> {
  const refs = (o.metadata.ownerReferences ?? []).filter((r) => r.uid !== ownerUid);
  try {
    await resource.patch(o.metadata.name!, { metadata: { ownerReferences: refs.length ? refs : null, resourceVersion: o.metadata.resourceVersion } }, { type: "merge", namespace: o.metadata.namespace });
  } catch (err) {
    if (isClientError(err, 404) || isClientError(err, 422)) return;
    throw err;
  }
}
