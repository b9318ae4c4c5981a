/**
 * The Datastore conformance suite: what every driver — SQLite, Postgres, a third party's plugin —
 * must do, in the spirit of Kubernetes' own storage tests (k8s.io/apiserver
 * pkg/storage/testing/store_tests.go and watcher_tests.go, which kine runs against itself).
 *
 * Use it from a vitest file:
 *
 *   runDatastoreConformance("my-store", async () => ({ store: await openMine(), reopen, cleanup }));
 *
 * `open` must return a fresh, empty store (revision 0) for every test. `reopen` (required unless
 * the options say `durable: false`) closes nothing itself: the suite closes the store and then
 * calls it to open the same data again. A store that keeps nothing across a restart (in memory)
 * passes `durable: false`, and the lifecycle cases are not part of its suite at all.
 * `cleanup` runs after the test, after the store is closed.
 *
 * Its cases are in conformance/, one file per part (create/get/update/delete, past reads, list,
 * watch, compaction, concurrency, values and keys, lifecycle); each gets a ConformanceContext.
 * It imports only the public face (mod.ts) and vitest, so that plugin authors can run it too.
 * No assertion depends on timing: waits for watch events are bounded, and a wait that runs out
 * fails the test with what it was waiting for.
 */
import { afterEach, beforeEach, describe } from "vitest";
import type { Datastore } from "../../mod.ts";
import { crudCases } from "./conformance/crud.ts";
import { pastReadCases } from "./conformance/past-reads.ts";
import { listCases } from "./conformance/list.ts";
import { watchCases } from "./conformance/watch.ts";
import { compactionCases } from "./conformance/compaction.ts";
import { concurrencyCases } from "./conformance/concurrency.ts";
import { valueAndKeyCases } from "./conformance/values-and-keys.ts";
import { lifecycleCases } from "./conformance/lifecycle.ts";
import type { ConformanceContext } from "./conformance/context.ts";
import { EventReader } from "./conformance/helpers.ts";

export interface ConformanceSubject {
  store: Datastore;
  /** Opens the same data again after the suite closed `store`. */
  reopen?: () => Promise<Datastore>;
  cleanup?: () => Promise<void>;
}

export interface ConformanceOptions {
  /** How long to wait for one watch event before failing (default 10 s). */
  eventTimeoutMs?: number;
  /** false: the store keeps nothing across close (in memory), so the reopen cases do not apply. Default true. */
  durable?: boolean;
}

export function runDatastoreConformance(
  name: string,
  open: () => Promise<ConformanceSubject>,
  options: ConformanceOptions = {},
): void {
  const eventTimeoutMs = options.eventTimeoutMs ?? 10_000;

  describe(`Datastore conformance: ${name}`, () => {
    let subject: ConformanceSubject;
    /** The store under test; a reopen replaces it. */
    let store: Datastore;
    const readers: EventReader[] = [];

    beforeEach(async () => {
      subject = await open();
      store = subject.store;
    });

    afterEach(async () => {
      for (const reader of readers.splice(0)) await reader.stop();
      await store.close().catch(() => {});
      await subject.cleanup?.();
    });

    /** Starts reading a watch; the reader is stopped after the test. */
    function watch(prefix: string, opts: { fromRevision?: number; signal?: AbortSignal } = {}): EventReader {
      const reader = new EventReader(store.watch(prefix, opts), eventTimeoutMs);
      readers.push(reader);
      return reader;
    }

    const context: ConformanceContext = {
      get store() {
        return store;
      },
      watch,
      async reopen() {
        if (!subject.reopen) throw new Error(`${name}: a durable store's subject needs reopen() (or pass durable: false)`);
        store = await subject.reopen();
      },
      durable: options.durable !== false,
    };

    crudCases(context);
    pastReadCases(context);
    listCases(context);
    watchCases(context);
    compactionCases(context);
    concurrencyCases(context);
    valueAndKeyCases(context);
    lifecycleCases(context);
  });
}
