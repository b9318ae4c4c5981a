import { describe, expect, it } from "vitest";
import { RetryRateLimiter } from "../../../plugins/kit/rate-limit.ts";
import { WorkQueue } from "../../../plugins/kit/workqueue.ts";
import { Controller } from "../../../plugins/kit/controller.ts";
import { silentLogger } from "../../../plugins/logger.ts";

describe("WorkQueue", () => {
  it("hands out a key added many times once", async () => {
    const q = new WorkQueue();
    q.add("a");
    q.add("a");
    q.add("b");
    expect(q.length).toBe(2);
    expect(await q.get()).toBe("a");
    expect(await q.get()).toBe("b");
  });

  it("never hands one key to two workers, and reprocesses a key dirtied while processing", async () => {
    const q = new WorkQueue();
    q.add("a");
    const first = await q.get();
    q.add("a"); // changed while being processed
    expect(q.length).toBe(0);
    let second: string | undefined;
    void q.get().then((k) => (second = k));
    await new Promise((r) => setTimeout(r, 10));
    expect(second).toBeUndefined();
    q.done(first!);
    await new Promise((r) => setTimeout(r, 0));
    expect(second).toBe("a");
  });

  it("wakes a waiting worker and releases all on shut down", async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.add("x");
    expect(await waiting).toBe("x");
    const idle = q.get();
    q.shutDown();
    expect(await idle).toBeUndefined();
  });
});

describe("RetryRateLimiter", () => {
  it("backs off exponentially per key and forgets on success", () => {
    const l = new RetryRateLimiter<string>({ now: () => 0 });
    expect([l.when("k"), l.when("k"), l.when("k"), l.when("k")]).toEqual([5, 10, 20, 40]);
    l.forget("k");
    expect(l.when("k")).toBe(5);
  });

  it("caps the back-off and limits the overall rate with a bucket", () => {
    const capped = new RetryRateLimiter<string>({ maxDelayMs: 100, now: () => 0 });
    for (let i = 0; i < 20; i++) capped.when("k");
    expect(capped.when("k")).toBe(100);
    const bucket = new RetryRateLimiter<number>({ qps: 10, burst: 2, now: () => 0 });
    expect(bucket.when(1)).toBe(5);
    expect(bucket.when(2)).toBe(5);
    expect(bucket.when(3)).toBe(100); // the bucket is empty: one token per 100 ms
  });
});

describe("Controller", () => {
  it("retries a failing key with back-off, then succeeds and honours requeueAfter", async () => {
    const attempts: number[] = [];
    const abort = new AbortController();
    let calls = 0;
    const c = new Controller({
      name: "test",
      log: silentLogger,
      async reconcile() {
        calls++;
        attempts.push(Date.now());
        if (calls < 3) throw new Error("not yet");
        if (calls === 3) return { requeueAfterMs: 20 };
      },
    });
    const running = c.start(abort.signal);
    c.enqueue("k");
    for (let i = 0; i < 200 && calls < 4; i++) await new Promise((r) => setTimeout(r, 5));
    abort.abort();
    await running;
    expect(calls).toBe(4);
  });
});
