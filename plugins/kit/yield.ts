/**
 * Cooperative yielding to the event loop. In-process controllers, the scheduler and simulated
 * kubelets over the synchronous SQLite driver chain microtasks without ever reaching I/O, so HTTP
 * responses and watch streams drain slowly. Long-running loops call `yieldToLoop()` between
 * items: once the current slice has run for more than `SLICE_MS`, it resolves on the next
 * `setImmediate` (after the poll phase), otherwise at once (no cost for short bursts).
 */
const SLICE_MS = 5;
let sliceStart = performance.now();

export function yieldToLoop(): Promise<void> | undefined {
  if (performance.now() - sliceStart < SLICE_MS) return undefined;
  return new Promise((resolve) => setImmediate(() => {
    sliceStart = performance.now();
    resolve();
  }));
}
