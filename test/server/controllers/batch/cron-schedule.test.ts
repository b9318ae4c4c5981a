import { describe, expect, it } from "vitest";
import { mostRecentScheduleTime } from "../../../../server/controllers/cronjob/missed.ts";
import { jobName, rfc3339In } from "../../../../server/controllers/cronjob/job-from-template.ts";
import { parseGoDuration, parseSchedule, ScheduleError } from "../../../../server/cron/schedule.ts";
import { instantOf, wallOf } from "../../../../server/cron/zone.ts";

const at = (s: string) => Date.parse(s);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

function nextN(spec: string, zone: string, from: string, n: number): (string | undefined)[] {
  const s = parseSchedule(spec, zone);
  const out: (string | undefined)[] = [];
  let t: number | undefined = at(from);
  for (let i = 0; i < n && t !== undefined; i++) {
    t = s.next(t);
    out.push(iso(t));
  }
  return out;
}

describe("cron schedule parsing", () => {
  it("reads lists, ranges, steps and names", () => {
    expect(nextN("*/20 9-10 * * mon,wed-fri", "UTC", "2024-01-01T09:30:00Z", 5)).toEqual([
      "2024-01-01T09:40:00.000Z", // Monday
      "2024-01-01T10:00:00.000Z",
      "2024-01-01T10:20:00.000Z",
      "2024-01-01T10:40:00.000Z",
      "2024-01-03T09:00:00.000Z", // Wednesday
    ]);
    expect(nextN("0 0 1 jan,JUL *", "UTC", "2024-02-01T00:00:00Z", 2)).toEqual(["2024-07-01T00:00:00.000Z", "2025-01-01T00:00:00.000Z"]);
    // "N/step" runs from N to the end of the range.
    expect(nextN("50/5 0 * * *", "UTC", "2024-01-01T00:00:00Z", 3)).toEqual(["2024-01-01T00:50:00.000Z", "2024-01-01T00:55:00.000Z", "2024-01-02T00:50:00.000Z"]);
  });

  it("applies robfig's day rule: both day fields restricted means either matches", () => {
    // The 13th, or any Friday.
    expect(nextN("0 12 13 * 5", "UTC", "2024-09-01T00:00:00Z", 3)).toEqual(["2024-09-06T12:00:00.000Z", "2024-09-13T12:00:00.000Z", "2024-09-20T12:00:00.000Z"]);
    // With a star in day of week, the day of month alone decides.
    expect(nextN("0 12 13 * *", "UTC", "2024-09-01T00:00:00Z", 1)).toEqual(["2024-09-13T12:00:00.000Z"]);
  });

  it("expands descriptors and @every", () => {
    expect(nextN("@hourly", "UTC", "2024-01-01T00:30:00Z", 1)).toEqual(["2024-01-01T01:00:00.000Z"]);
    expect(nextN("@daily", "UTC", "2024-01-01T00:30:00Z", 1)).toEqual(["2024-01-02T00:00:00.000Z"]);
    expect(nextN("@weekly", "UTC", "2024-01-01T00:30:00Z", 1)).toEqual(["2024-01-07T00:00:00.000Z"]);
    expect(nextN("@monthly", "UTC", "2024-01-01T00:30:00Z", 1)).toEqual(["2024-02-01T00:00:00.000Z"]);
    expect(nextN("@yearly", "UTC", "2024-01-01T00:30:00Z", 1)).toEqual(["2025-01-01T00:00:00.000Z"]);
    expect(nextN("@every 1h30m", "UTC", "2024-01-01T00:00:00Z", 2)).toEqual(["2024-01-01T01:30:00.000Z", "2024-01-01T03:00:00.000Z"]);
    expect(parseGoDuration("1.5h")).toBe(5400_000);
  });

  it("refuses bad specs", () => {
    for (const bad of ["", "* * * *", "61 * * * *", "* * * * 7", "5-1 * * * *", "*/0 * * * *", "@fortnightly", "@every x"]) {
      expect(() => parseSchedule(bad, "UTC"), bad).toThrow(ScheduleError);
    }
  });

  it("returns nothing for a date that never comes", () => {
    expect(parseSchedule("0 0 30 2 *", "UTC").next(at("2024-01-01T00:00:00Z"))).toBeUndefined();
  });
});

describe("cron schedules in a time zone across daylight saving", () => {
  it("skips a time that does not exist on the spring-forward day", () => {
    // America/New_York: 2024-03-10 02:00 EST becomes 03:00 EDT.
    expect(nextN("30 2 * * *", "America/New_York", "2024-03-09T00:00:00Z", 3)).toEqual([
      "2024-03-09T07:30:00.000Z", // 02:30 EST
      "2024-03-11T06:30:00.000Z", // 02:30 EDT; the 10th has no 02:30
      "2024-03-12T06:30:00.000Z",
    ]);
  });

  it("runs twice at a time that happens twice on the fall-back day", () => {
    // 2024-11-03 02:00 EDT becomes 01:00 EST: 01:30 comes twice.
    expect(nextN("30 1 * * *", "America/New_York", "2024-11-03T00:00:00Z", 3)).toEqual([
      "2024-11-03T05:30:00.000Z", // 01:30 EDT
      "2024-11-03T06:30:00.000Z", // 01:30 EST
      "2024-11-04T06:30:00.000Z",
    ]);
  });

  it("keeps wall-clock times across the change in Europe", () => {
    // Europe/Berlin: 2024-03-31 CET → CEST.
    expect(nextN("0 9 * * *", "Europe/Berlin", "2024-03-30T00:00:00Z", 2)).toEqual(["2024-03-30T08:00:00.000Z", "2024-03-31T07:00:00.000Z"]);
  });

  it("converts between instants and wall times", () => {
    expect(wallOf(at("2024-07-01T12:00:00Z"), "Asia/Kolkata")).toMatchObject({ hour: 17, minute: 30, weekday: 1 });
    expect(iso(instantOf(2024, 7, 1, 17, 30, "Asia/Kolkata"))).toBe("2024-07-01T12:00:00.000Z");
    // In the spring gap, 02:30 becomes 03:30 EDT.
    expect(iso(instantOf(2024, 3, 10, 2, 30, "America/New_York"))).toBe("2024-03-10T07:30:00.000Z");
    // In the fall overlap, the earlier 01:30 (EDT).
    expect(iso(instantOf(2024, 11, 3, 1, 30, "America/New_York"))).toBe("2024-11-03T05:30:00.000Z");
  });
});

describe("missed schedules", () => {
  const every = parseSchedule("* * * * *", "UTC");

  it("nothing due before the first activation", () => {
    expect(mostRecentScheduleTime(every, at("2024-01-01T00:00:10Z"), at("2024-01-01T00:00:50Z")).scheduled).toBeUndefined();
  });

  it("the most recent of several missed times, without too many", () => {
    const due = mostRecentScheduleTime(every, at("2024-01-01T00:00:00Z"), at("2024-01-01T00:05:30Z"));
    expect(iso(due.scheduled)).toBe("2024-01-01T00:05:00.000Z");
    expect(due.tooManyMissed).toBe(false);
  });

  it("more than 100 missed is too many, and the latest is still found", () => {
    const due = mostRecentScheduleTime(every, at("2024-01-01T00:00:00Z"), at("2024-03-01T10:07:30Z"));
    expect(due.tooManyMissed).toBe(true);
    expect(iso(due.scheduled)).toBe("2024-03-01T10:07:00.000Z");
    const daily = parseSchedule("0 3 * * *", "UTC");
    expect(iso(mostRecentScheduleTime(daily, at("2020-01-01T00:00:00Z"), at("2024-03-01T10:07:30Z")).scheduled)).toBe("2024-03-01T03:00:00.000Z");
  });

  it("startingDeadlineSeconds limits how far back it looks", () => {
    const due = mostRecentScheduleTime(every, at("2024-01-01T00:00:00Z"), at("2024-03-01T10:07:30Z"), 200);
    expect(due.tooManyMissed).toBe(false);
    expect(iso(due.scheduled)).toBe("2024-03-01T10:07:00.000Z");
  });
});

describe("jobs of a CronJob", () => {
  it("are named by the scheduled minute and stamped in the CronJob's zone", () => {
    const cj = { metadata: { name: "tick" } } as never;
    expect(jobName(cj, at("2024-01-01T00:05:00Z"))).toBe(`tick-${at("2024-01-01T00:05:00Z") / 60_000}`);
    expect(rfc3339In(at("2024-01-01T00:05:00Z"), "UTC")).toBe("2024-01-01T00:05:00Z");
    expect(rfc3339In(at("2024-07-01T00:05:00Z"), "America/New_York")).toBe("2024-06-30T20:05:00-04:00");
  });
});

describe("one parser for validation and running", () => {
  it("gives robfig's messages for what it refuses, including a bad TZ= zone and @every", async () => {
    const { scheduleProblem } = await import("../../../../server/cron/schedule.ts");
    expect(scheduleProblem("TZ=Mars/Olympus 0 * * * *")).toBe("provided bad location Mars/Olympus: unknown time zone Mars/Olympus");
    expect(scheduleProblem("@every x")).toBe('failed to parse duration @every x: time: invalid duration "x"');
    expect(scheduleProblem("*/-1 * * * *")).toBe("negative number (-1) not allowed: -1");
    // A leading hyphen leaves an empty start, as in robfig.
    expect(scheduleProblem("-1 * * * *")).toBe('failed to parse int from : strconv.Atoi: parsing "": invalid syntax');
    expect(scheduleProblem("1-2-3 * * * *")).toBe("too many hyphens: 1-2-3");
    expect(scheduleProblem("*/2/3 * * * *")).toBe("too many slashes: */2/3");
    // robfig takes "*" with hyphens after it as a star.
    expect(scheduleProblem("*-5 * * * *")).toBeUndefined();
  });

  it("runs a TZ= prefix in its own zone", () => {
    // 09:00 in Tokyo is 00:00 UTC.
    expect(nextN("TZ=Asia/Tokyo 0 9 * * *", "UTC", "2024-01-01T01:00:00Z", 1)).toEqual(["2024-01-02T00:00:00.000Z"]);
  });
});
