/**
 * Which scheduled time a CronJob is due for (upstream's mostRecentScheduleTime): the latest
 * activation after the last one it ran (or its creation) and not after now, and whether more
 * than 100 were missed on the way — then the controller says so with a TooManyMissedTimes event
 * instead of trying to catch up on decades of runs. startingDeadlineSeconds bounds how far back
 * it looks.
 */
import type { Schedule } from "../../cron/schedule.ts";

export interface Due {
  /** The activation to run now, if any. */
  scheduled?: number;
  /** More than 100 activations were missed. */
  tooManyMissed: boolean;
  /** Where the search started (last schedule time or creation, or the deadline's edge). */
  earliest: number;
}

const MANY = 100;
/** Windows tried, from the smallest, to find the latest activation without walking every one. */
const WINDOWS_MS = [3600_000, 86_400_000, 32 * 86_400_000, 367 * 86_400_000, 5 * 367 * 86_400_000];

export function mostRecentScheduleTime(schedule: Schedule, earliest: number, now: number, startingDeadlineSeconds?: number): Due {
  if (startingDeadlineSeconds !== undefined) earliest = Math.max(earliest, now - startingDeadlineSeconds * 1000);
  const t1 = schedule.next(earliest);
  if (t1 === undefined || t1 > now) return { earliest, tooManyMissed: false };
  const t2 = schedule.next(t1);
  if (t2 === undefined || t2 > now) return { earliest, scheduled: t1, tooManyMissed: false };
  // Upstream's estimate of how many were missed: the first gap, fitted into the elapsed time.
  const gap = Math.max(1000, Math.round((t2 - t1) / 1000) * 1000);
  const missed = Math.floor((now - t1) / gap) + 1;
  let scheduled = t2;
  for (const window of WINDOWS_MS) {
    const from = Math.max(t2, now - window);
    let t = from === t2 ? t2 : schedule.next(from - 1);
    if (t === undefined || t > now) continue;
    for (let n = schedule.next(t); n !== undefined && n <= now; n = schedule.next(n)) t = n;
    scheduled = t;
    break;
  }
  return { earliest, scheduled, tooManyMissed: missed > MANY };
}
