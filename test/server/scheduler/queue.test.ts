/** The scheduling queue: order, back-off, and moves on cluster events. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { SchedulingQueue } from "../../../server/scheduler/queue.ts";
import type { Pod } from "../../../server/scheduler/types.ts";
import { makePod } from "./fixtures.ts";

let clock = 0;
const queues: SchedulingQueue[] = [];

function newQueue(): SchedulingQueue {
  clock = 1_000_000;
  const q = new SchedulingQueue({ priorityOf: (p: Pod) => p.spec.priority ?? 0, now: () => clock });
  queues.push(q);
  return q;
}

afterEach(() => {
  for (const q of queues.splice(0)) q.close();
});

async function popName(q: SchedulingQueue): Promise<string | undefined> {
  return (await q.pop())?.pod.metadata.name;
}

describe("SchedulingQueue", () => {
  it("pops the highest priority first, then the oldest", async () => {
    const q = newQueue();
    q.add(makePod("low", { priority: 1 }));
    clock++;
    q.add(makePod("high", { priority: 10 }));
    clock++;
    q.add(makePod("low2", { priority: 1 }));
    expect([await popName(q), await popName(q), await popName(q)]).toEqual(["high", "low", "low2"]);
  });

  it("hands a pod to a waiting pop at once", async () => {
    const q = newQueue();
    const waiting = popName(q);
    q.add(makePod("p"));
    expect(await waiting).toBe("p");
  });

  it("keeps an unschedulable pod until an event that can help it", async () => {
    const q = newQueue();
    q.add(makePod("p"));
    const info = (await q.pop())!;
    q.requeue(info, ["NodeAffinity"], q.schedulingCycle);
    expect(q.unschedulableLength).toBe(1);
    q.onClusterEvent("AssignedPodDelete");
    await Promise.resolve();
    expect(q.unschedulableLength).toBe(1);
    clock += 5_000;
    q.onClusterEvent("NodeUpdate");
    await Promise.resolve();
    expect(q.unschedulableLength).toBe(0);
    expect(q.activeLength).toBe(1);
  });

  it("sends a pod that missed an event while it was scheduled to back-off, not to wait", async () => {
    const q = newQueue();
    q.add(makePod("p"));
    const info = (await q.pop())!;
    const cycle = q.schedulingCycle;
    q.onClusterEvent("NodeAdd");
    q.requeue(info, ["NodeResourcesFit"], cycle);
    expect(q.unschedulableLength).toBe(0);
  });

  it("backs off 1 s doubling to 10 s", async () => {
    vi.useFakeTimers();
    try {
      const q = new SchedulingQueue({ priorityOf: () => 0 });
      queues.push(q);
      q.add(makePod("p"));
      let info = (await q.pop())!;
      const waited: number[] = [];
      for (let attempt = 0; attempt < 6; attempt++) {
        q.requeue(info, [], q.schedulingCycle, true);
        let ms = 0;
        while (!q.activeLength && ms < 20_000) {
          vi.advanceTimersByTime(100);
          ms += 100;
        }
        waited.push(ms);
        info = (await q.pop())!;
      }
      expect(waited).toEqual([1000, 2000, 4000, 8000, 10000, 10000]);
    } finally {
      vi.useRealTimers();
    }
  });
});
