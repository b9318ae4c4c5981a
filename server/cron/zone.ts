/**
 * Wall-clock time in an IANA time zone, through Intl (no zone database of our own): the wall
 * fields of an instant, and the instant of a wall time — which, on a spring-forward day, may not
 * exist (it is then moved forward by the gap, as Go's time.Date does) and, on a fall-back day,
 * exists twice (the earlier is taken).
 */
export interface Wall {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      weekday: "short",
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The zone the process runs in (where kube-controller-manager would use time.Local). */
export function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** Throws a RangeError for a zone the runtime does not know. */
export function checkZone(zone: string): void {
  formatter(zone);
}

export function wallOf(ms: number, zone: string): Wall {
  const parts: Record<string, string> = {};
  for (const p of formatter(zone).formatToParts(new Date(ms))) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour) % 24,
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: WEEKDAYS[parts.weekday] ?? 0,
  };
}

/** The zone's offset from UTC at `ms`, in milliseconds (whole seconds). */
export function offsetAt(ms: number, zone: string): number {
  const w = wallOf(ms, zone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The instant of a wall time (fields may overflow, as Date.UTC allows: month 13 is next January). */
export function instantOf(year: number, month: number, day: number, hour: number, minute: number, zone: string): number {
  const asUtc = Date.UTC(year, month - 1, day, hour, minute);
  // The offsets in force shortly before and after: at most one transition lies between them.
  const before = asUtc - offsetAt(asUtc - 12 * 3600_000, zone);
  const after = asUtc - offsetAt(asUtc + 12 * 3600_000, zone);
  const target = Date.UTC(year, month - 1, day, hour, minute);
  const exact = [before, after].filter((t) => {
    const w = wallOf(t, zone);
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) === target;
  });
  if (exact.length > 0) return Math.min(...exact);
  // In a gap: the pre-transition offset carries the time forward past it.
  return Math.max(before, after);
}
