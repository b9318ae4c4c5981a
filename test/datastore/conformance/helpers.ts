/**
 * The conformance suite's helpers: reading watches with bounded waits, comparing values, and a
 * model of a random history to check past reads against.
 */
import { expect } from "vitest";
import { type Datastore, type Entry, isDatastoreError, type WatchEvent } from "../../../mod.ts";

/** Reads one watch with bounded waits for each event. */
export class EventReader {
  readonly #iterator: AsyncIterator<WatchEvent>;
  readonly #timeoutMs: number;

  constructor(iterable: AsyncIterable<WatchEvent>, timeoutMs: number) {
    this.#iterator = iterable[Symbol.asyncIterator]();
    this.#timeoutMs = timeoutMs;
  }

  /** The next event; fails if the watch ends or nothing comes within the bound. */
  async next(): Promise<WatchEvent> {
    const event = await this.nextOrEnd();
    if (!event) throw new Error("the watch ended while an event was expected");
    return event;
  }

  /** The next event, or undefined when the watch ends. */
  async nextOrEnd(): Promise<WatchEvent | undefined> {
    const result = await bounded(this.#iterator.next(), this.#timeoutMs, "a watch event");
    return result.done ? undefined : result.value;
  }

  async take(n: number): Promise<WatchEvent[]> {
    const events: WatchEvent[] = [];
    while (events.length < n) {
      const event = await this.nextOrEnd();
      if (!event) throw new Error(`the watch ended after ${events.length} of ${n} expected events`);
      events.push(event);
    }
    return events;
  }

  /** The error the watch fails with; fails if it yields an event or ends instead. */
  async error(): Promise<unknown> {
    try {
      const event = await this.nextOrEnd();
      throw new Error(`expected the watch to fail, got ${event ? JSON.stringify(event) : "its end"}`);
    } catch (err) {
      return err;
    }
  }

  async stop(): Promise<void> {
    await bounded(Promise.resolve(this.#iterator.return?.()), this.#timeoutMs, "the watch to stop").catch(() => {});
  }
}

export function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`waited ${ms} ms for ${what} in vain`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Awaits a rejection and checks its code (the isDatastoreError way, which crosses module copies). */
export async function rejection(promise: Promise<unknown>, code: string): Promise<unknown> {
  try {
    const value = await promise;
    throw new Error(`expected a ${code} error, got ${JSON.stringify(value)}`);
  } catch (err) {
    if (!isDatastoreError(err, code)) throw err;
    return err;
  }
}

/** Compares keys in the byte order of their UTF-8 encodings, as the contract orders them. */
export function compareKeys(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}
export const utf8 = new TextEncoder();

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (!(a instanceof Uint8Array) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Plain-data form for comparisons: any Uint8Array (a Buffer too) becomes a plain one. */
export function normalize(value: unknown): unknown {
  if (value instanceof Uint8Array) return { bytes: Array.from(value) };
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = normalize(v);
    return out;
  }
  return value;
}

/** Pages through a list, calling `between` after each page but the last. */
export async function pageThrough(
  store: Datastore,
  prefix: string,
  options: { limit: number; revision?: number },
  between?: (lastKey: string) => Promise<void>,
): Promise<{ keys: string[]; entries: Entry[]; pages: number; revisions: number[] }> {
  const entries: Entry[] = [];
  const revisions: number[] = [];
  let after: string | undefined;
  let revision = options.revision;
  for (let pages = 1; ; pages++) {
    if (pages > 1000) throw new Error("paging does not end");
    const page = await store.list(prefix, { limit: options.limit, revision, after });
    expect(page.items.length).toBeLessThanOrEqual(options.limit);
    entries.push(...page.items);
    revisions.push(page.revision);
    revision = page.revision; // later pages read at the first page's revision, as Kubernetes does
    if (!page.more) return { keys: entries.map((e) => e.key), entries, pages, revisions };
    expect(page.items.length).toBe(options.limit);
    after = page.items.at(-1)!.key;
    await between?.(after);
  }
}

export interface History {
  /** The expected change feed, event i at revision i + 1. */
  events: WatchEvent[];
  /** The expected state after each revision. */
  states: Map<string, Entry>[];
}

export type Op = { op: "create" | "update"; key: string; value: unknown } | { op: "delete"; key: string };

/** Applies writes, recording the expected events and states; returns the new events. */
export async function applyOps(store: Datastore, history: History, ops: Op[]): Promise<WatchEvent[]> {
  const added: WatchEvent[] = [];
  for (const op of ops) {
    const state = new Map(history.states.at(-1));
    const prev = state.get(op.key);
    let event: WatchEvent;
    if (op.op === "create") {
      const entry = await store.create(op.key, op.value);
      state.set(op.key, entry);
      event = { type: "create", key: op.key, revision: entry.modRevision, createRevision: entry.createRevision, value: op.value };
    } else if (op.op === "update") {
      const entry = await store.update(op.key, op.value, prev!.modRevision);
      state.set(op.key, entry);
      event = {
        type: "update", key: op.key, revision: entry.modRevision, createRevision: prev!.createRevision,
        value: op.value, prevValue: prev!.value, prevRevision: prev!.modRevision,
      };
    } else {
      const entry = await store.delete(op.key, prev!.modRevision);
      state.delete(op.key);
      event = {
        type: "delete", key: op.key, revision: entry.modRevision, createRevision: prev!.createRevision,
        prevValue: prev!.value, prevRevision: prev!.modRevision,
      };
    }
    expect(event.revision).toBe(history.states.length);
    history.states.push(state);
    history.events.push(event);
    added.push(event);
  }
  return added;
}

/** A reproducible mix of creates, updates and deletes over a few keys under /h/. */
export async function randomHistory(store: Datastore, seed: number, writes: number): Promise<History> {
  const random = mulberry32(seed);
  const history: History = { events: [], states: [new Map()] };
  const keys = ["/h/1", "/h/1/a", "/h/10", "/h/2", "/h/2/", "/h/3", "/h/é", "/h/😀", "/h/z"];
  for (let i = 0; i < writes; i++) {
    const key = keys[Math.floor(random() * keys.length)]!;
    const exists = history.states.at(-1)!.has(key);
    const value = { i, key, pad: "x".repeat(Math.floor(random() * 40)), n: random() };
    const op: Op = !exists ? { op: "create", key, value } : random() < 0.25 ? { op: "delete", key } : { op: "update", key, value };
    await applyOps(store, history, [op]);
  }
  return history;
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
