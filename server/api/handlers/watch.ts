/**
 * WATCH over HTTP: a chunked stream of newline-terminated JSON events (or CBOR sequence, or
 * Tables), fed by the watch cache. An object that starts matching the selectors arrives as
 * ADDED, one that stops matching as DELETED, as kube-apiserver's cacher converts them.
 * The initial state (resourceVersion unset or "0", or sendInitialEvents) and the subscription
 * are taken in one synchronous step, so no change can fall between them.
 */
import { groupVersion } from "../../registry/types.ts";
import type { KubeObject } from "../../storage/object.ts";
import { type CacheEvent, TooOldResourceVersionError } from "../../storage/watch-cache.ts";
import { parseResourceVersion } from "../../storage/object-store.ts";
import { selectEvent } from "../../storage/selection-events.ts";
import { encodeCbor } from "../cbor.ts";
import { expired } from "../status.ts";
import { parseIncludeObject, toTable } from "../table.ts";
import { type ResourceCall, typed } from "./context.ts";
import { validateListOptions } from "./read.ts";

const BOOKMARK_INTERVAL_MS = 60_000;
/** Past this many bytes queued for a client that does not read, the watch ends (it re-watches). */
const MAX_QUEUED_BYTES = 16 * 1024 * 1024;

/**
 * The events a watch has produced and the HTTP response has not yet taken, handed over as one
 * chunk per read. The response writer takes one chunk, writes it to the socket and, once the
 * socket's buffer is over its high-water mark, waits for "drain", which comes at most once per
 * event-loop turn. One event per chunk thus capped a watch at about one socket buffer (64 KiB)
 * per turn: while the controllers and the scheduler kept each turn busy for tens of ms, a burst of
 * pod events outgrew the limit below and the watch was ended although its client was reading.
 * One chunk of everything pending per read drains whatever accumulated, every turn.
 */
class PendingBytes {
  #chunks: Uint8Array[] = [];
  #bytes = 0;

  get bytes(): number {
    return this.#bytes;
  }

  push(chunk: Uint8Array): void {
    this.#chunks.push(chunk);
    this.#bytes += chunk.byteLength;
  }

  /** Everything pending as one chunk (undefined when nothing is), and empties the queue. */
  take(): Uint8Array | undefined {
    const chunks = this.#chunks;
    if (chunks.length === 0) return undefined;
    let joined = chunks[0]!;
    if (chunks.length > 1) {
      joined = new Uint8Array(this.#bytes);
      let at = 0;
      for (const c of chunks) {
        joined.set(c, at);
        at += c.byteLength;
      }
    }
    this.#chunks = [];
    this.#bytes = 0;
    return joined;
  }
}

type WatchType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

export async function handleWatch(call: ResourceCall): Promise<Response> {
  const { def, store, info, query, format, services } = call;
  validateListOptions(query, true);
  const predicate = services.predicate(def, query.get("labelSelector"), query.get("fieldSelector"));
  const rvParam = query.get("resourceVersion") ?? "";
  const rv = parseResourceVersion(rvParam);
  const sendInitialEvents = query.get("sendInitialEvents") === "true";
  const bookmarks = query.get("allowWatchBookmarks") === "true";
  const requestedTimeout = Number(query.get("timeoutSeconds") ?? "");
  const timeoutMs = (Number.isFinite(requestedTimeout) && requestedTimeout > 0 ? requestedTimeout : 1800 * (1 + Math.random())) * 1000;
  const include = parseIncludeObject(query.get("includeObject"));
  const namespace = info.namespace || undefined;
  const prefix = store.prefix(namespace);
  const nameFilter = info.name;
  const cache = store.cache;

  // Where to start: a snapshot for rv unset/"0" or sendInitialEvents; the window otherwise.
  const wantsSnapshot = rv === undefined || rv === 0 || sendInitialEvents;
  if (rv === undefined) await cache.sync(call.request.signal);
  else if (rv > 0 && sendInitialEvents) await cache.waitForRevision(rv, call.request.signal);
  else await cache.start();

  const encoder = new TextEncoder();
  const cbor = format.encoding === "cbor";
  let firstTable = true;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  const pending = new PendingBytes();
  /** The response asked for bytes when none were pending: hand over the next ones. */
  let readerWaiting = false;
  const handOver = () => {
    const chunk = pending.take();
    if (chunk) controller.enqueue(chunk);
  };
  const cleanups: (() => void)[] = [];
  const close = () => {
    if (closed) return;
    closed = true;
    for (const c of cleanups) c();
    try {
      handOver();
      controller.close();
    } catch {
      // already closed by the client
    }
  };

  const encodeObject = (object: unknown): unknown => {
    if (format.as === "Table") {
      const t = toTable(def.table, [object as KubeObject], include, {}, firstTable);
      firstTable = false;
      return t;
    }
    return object;
  };
  const send = (type: WatchType, object: unknown) => {
    if (closed) return;
    const event = { type, object: type === "BOOKMARK" || type === "ERROR" ? object : encodeObject(object) };
    const bytes = cbor ? encodeCbor(event) : encoder.encode(JSON.stringify(event) + "\n");
    pending.push(bytes);
    if (readerWaiting) {
      // Hand over at the end of this task, with whatever else it sends.
      readerWaiting = false;
      queueMicrotask(() => {
        if (!closed) handOver();
      });
    }
    if (pending.bytes > MAX_QUEUED_BYTES) {
      services.log.warn("watch ended: the client is not reading", { resource: def.resource });
      close();
    }
  };
  const matches = (o: KubeObject): boolean => (!nameFilter || o.metadata.name === nameFilter) && (!predicate || predicate(o));
  const deliver = (e: CacheEvent) => {
    const selected = selectEvent(e, matches);
    if (selected) send(selected.type, typed(def, selected.object));
  };
  const bookmark = (initialEventsEnd = false) => {
    const metadata: Record<string, unknown> = { resourceVersion: String(cache.revision) };
    if (initialEventsEnd) metadata.annotations = { "k8s.io/initial-events-end": "true" };
    send("BOOKMARK", { kind: def.kind, apiVersion: groupVersion(def), metadata });
  };

  // No queue of its own (high-water mark 0): `pull` runs when the response reads.
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    pull() {
      if (pending.bytes > 0) handOver();
      else readerWaiting = true;
    },
    cancel() {
      close();
    },
  }, { highWaterMark: 0 });

  // One synchronous step: snapshot, then subscribe from the snapshot's revision.
  try {
    let from = rv ?? cache.revision;
    if (wantsSnapshot) {
      from = cache.revision;
      for (const entry of cache.list(prefix)) if (matches(entry.object)) send("ADDED", typed(def, entry.object));
      if (sendInitialEvents && bookmarks) bookmark(true);
    }
    const unsubscribe = cache.subscribe(prefix, {
      deliver,
      end: (reason) => {
        if (reason === "reset") send("ERROR", expired("The resourceVersion for the provided watch is too old.").toStatus());
        close();
      },
    }, from);
    cleanups.push(unsubscribe);
  } catch (err) {
    if (err instanceof TooOldResourceVersionError) {
      send("ERROR", expired(err.message).toStatus());
      close();
      return watchResponse(stream, format.encoding);
    }
    throw err;
  }

  const timer = setTimeout(() => {
    if (bookmarks) bookmark();
    close();
  }, timeoutMs);
  cleanups.push(() => clearTimeout(timer));
  if (bookmarks) {
    const ticker = setInterval(() => bookmark(), BOOKMARK_INTERVAL_MS);
    cleanups.push(() => clearInterval(ticker));
  }
  const onAbort = () => close();
  call.request.signal.addEventListener("abort", onAbort, { once: true });
  services.signal.addEventListener("abort", onAbort, { once: true });
  cleanups.push(() => {
    call.request.signal.removeEventListener("abort", onAbort);
    services.signal.removeEventListener("abort", onAbort);
  });
  return watchResponse(stream, format.encoding);
}

function watchResponse(stream: ReadableStream<Uint8Array>, encoding: string): Response {
  // Watch events are JSON or CBOR only: a YAML watch is answered in JSON, as upstream does.
  const type = encoding === "cbor" ? "application/cbor-seq" : "application/json";
  return new Response(stream, { status: 200, headers: { "Content-Type": type, "Cache-Control": "no-cache, private" } });
}
