/**
 * An abortable sleep, for every loop that waits (kubelet, probes, leader election, reconnects).
 *
 * Sleepers on one signal share one "abort" listener. Node's EventTarget walks a signal's whole
 * listener list on every addEventListener (it refuses duplicates), and 1,000 simulated kubelets
 * sleep on the agent's one signal in their heartbeat and status loops: 3.7 % of the server's CPU
 * late in the 1,000-node benchmark went into adding and removing those listeners.
 */

/** For each signal slept on: the wake-ups of its sleepers, called by its one listener. */
const sleepers = new WeakMap<AbortSignal, Set<() => void>>();

function onAbort(signal: AbortSignal, wake: () => void): () => void {
  let wakes = sleepers.get(signal);
  if (!wakes) {
    const set = new Set<() => void>();
    wakes = set;
    sleepers.set(signal, set);
    signal.addEventListener("abort", () => {
      for (const w of set) w();
      set.clear();
    }, { once: true });
  }
  wakes.add(wake);
  return () => wakes.delete(wake);
}

/** Waits `ms`, or less if `signal` aborts first (then resolves false). */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const forget = onAbort(signal, () => {
      clearTimeout(timer);
      resolve(false);
    });
    const timer = setTimeout(() => {
      forget();
      resolve(true);
    }, ms);
  });
}
