/**
 * Runs `callback` once the microtask queue has drained: Node's process.nextTick, which Deno's
 * `process` also has. Scheduled from a microtask, a tick callback runs only after every microtask
 * queued meanwhile (promise chains included), yet before the event loop moves on to timers or
 * I/O. Where there is no `process`, a microtask is the nearest thing.
 */
const nextTick = (globalThis as { process?: { nextTick?: (cb: () => void) => void } }).process?.nextTick;

export function atEndOfTick(callback: () => void): void {
  if (nextTick) nextTick(callback);
  else queueMicrotask(callback);
}
