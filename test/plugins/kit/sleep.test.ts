/** The abortable sleep: resolves true after its time, false at once when its signal aborts. */
import { describe, expect, it } from "vitest";
import { sleep } from "../../../plugins/kit/sleep.ts";

describe("sleep", () => {
  it("resolves true after the time has passed", async () => {
    const started = performance.now();
    expect(await sleep(30, new AbortController().signal)).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });

  it("wakes every sleeper on a signal when it aborts, and only those still sleeping", async () => {
    const controller = new AbortController();
    const done = await sleep(1, controller.signal);
    const long = Array.from({ length: 100 }, () => sleep(60_000, controller.signal));
    const started = performance.now();
    controller.abort();
    expect(await Promise.all(long)).toEqual(Array(100).fill(false));
    expect(done).toBe(true);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("resolves false at once on a signal already aborted, and a new signal is independent", async () => {
    const aborted = new AbortController();
    aborted.abort();
    expect(await sleep(60_000, aborted.signal)).toBe(false);
    expect(await sleep(1, new AbortController().signal)).toBe(true);
  });
});
