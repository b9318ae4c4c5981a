/** What each part of the conformance suite gets from runDatastoreConformance (../conformance.ts). */
import type { Datastore } from "../../../mod.ts";
import type { EventReader } from "./helpers.ts";

export interface ConformanceContext {
  /** The store under test, fresh and empty for each case; reopen() replaces it. */
  readonly store: Datastore;
  /** Starts reading a watch with bounded waits; the reader is stopped after the case. */
  watch(prefix: string, opts?: { fromRevision?: number; signal?: AbortSignal }): EventReader;
  /** Opens the same data again, after the case closed the store itself. */
  reopen(): Promise<void>;
  /** false: the store keeps nothing across close, and the reopen cases are not registered. */
  readonly durable: boolean;
}
