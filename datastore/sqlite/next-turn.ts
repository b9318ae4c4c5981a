/**
 * Runs `callback` in the next turn of the event loop, after the I/O callbacks and timers now due:
 * setImmediate where the runtime has it, else a zero timeout.
 *
 * The SQLite store commits its group of writes here. Committing when the microtask queue had
 * drained (process.nextTick) grouped only the writes of one callback, 1.6 on average on the
 * scale benchmark: each HTTP request, timer and informer delivery committed on its own. Waiting
 * for the turn groups every write the callbacks of a turn make.
 */
const immediate = (globalThis as { setImmediate?: (cb: () => void) => unknown }).setImmediate;

export function atNextTurn(callback: () => void): void {
  if (immediate) immediate(callback);
  else setTimeout(callback, 0);
}
