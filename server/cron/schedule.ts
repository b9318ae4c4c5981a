/**
 * CronJob schedules as robfig/cron (which upstream uses) reads and runs them: five fields
 * (minute, hour, day of month, month, day of week) with lists, ranges, steps, `*`/`?` and
 * month/day names; the descriptors @yearly/@annually, @monthly, @weekly, @daily/@midnight,
 * @hourly and `@every <duration>`; an optional TZ=/CRON_TZ= prefix. Next times are computed on
 * the wall clock of a time zone by stepping instants, so that across daylight saving a time that
 * does not exist is skipped and a time that happens twice runs twice, as robfig's does.
 *
 * One parser for both users: the registry validates `spec.schedule` with it (scheduleProblem:
 * robfig's ParseStandard error texts, which kube-apiserver returns as the detail of
 * `spec.schedule: Invalid value`), and the CronJob controller runs what it parsed.
 */
import { instantOf, wallOf } from "./zone.ts";

export interface Schedule {
  /** The first activation strictly after `after` (ms), or undefined if none in five years. */
  next(after: number): number | undefined;
}

interface Field {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DAYS: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const FIELDS: Field[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTHS },
  { min: 0, max: 6, names: DAYS },
];

const DESCRIPTORS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

export class ScheduleError extends Error {
  override name = "ScheduleError";
}

interface FieldSet {
  values: Set<number>;
  /** Written as `*` or `?` (without a step above 1): robfig's star bit, for the day rule. */
  star: boolean;
}

/** Go's strconv.Atoi, with its error text. */
function atoi(text: string): number {
  if (!/^[+-]?[0-9]+$/.test(text)) throw new ScheduleError(`strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax`);
  return Number(text);
}

/** robfig's mustParseInt. */
function mustParseInt(text: string): number {
  let n: number;
  try {
    n = atoi(text);
  } catch (err) {
    throw new ScheduleError(`failed to parse int from ${text}: ${(err as Error).message}`);
  }
  if (n < 0) throw new ScheduleError(`negative number (${n}) not allowed: ${text}`);
  return n;
}

function parseIntOrName(text: string, f: Field): number {
  return f.names?.[text.toLowerCase()] ?? mustParseInt(text);
}

/** robfig's getRange: one comma-separated term of a field, with its checks and messages. */
function parseRange(expr: string, f: Field, into: FieldSet): void {
  const rangeAndStep = expr.split("/");
  const lowAndHigh = rangeAndStep[0]!.split("-");
  const singleDigit = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  let star = false;
  if (lowAndHigh[0] === "*" || lowAndHigh[0] === "?") {
    [start, end, star] = [f.min, f.max, true];
  } else {
    start = parseIntOrName(lowAndHigh[0]!, f);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1]!, f);
    else throw new ScheduleError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1]!);
    // "N/step" means "N-max/step".
    if (singleDigit) end = f.max;
    if (step > 1) star = false;
  } else if (rangeAndStep.length > 2) {
    throw new ScheduleError(`too many slashes: ${expr}`);
  }
  if (start < f.min) throw new ScheduleError(`beginning of range (${start}) below minimum (${f.min}): ${expr}`);
  if (end > f.max) throw new ScheduleError(`end of range (${end}) above maximum (${f.max}): ${expr}`);
  if (start > end) throw new ScheduleError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new ScheduleError(`step of range should be a positive number: ${expr}`);
  for (let v = start; v <= end; v += step) into.values.add(v);
  into.star ||= star;
}

function parseField(text: string, f: Field): FieldSet {
  const set: FieldSet = { values: new Set<number>(), star: false };
  for (const expr of text.split(",")) parseRange(expr, f, set);
  return set;
}

class CronSchedule implements Schedule {
  readonly #f: FieldSet[];
  readonly #zone: string;

  constructor(fields: FieldSet[], zone: string) {
    this.#f = fields;
    this.#zone = zone;
  }

  /** robfig's dayMatches: with either day field a star, both must match; otherwise either. */
  #dayMatches(day: number, weekday: number): boolean {
    const [, , dom, , dow] = this.#f;
    const d = dom.values.has(day);
    const w = dow.values.has(weekday);
    return dom.star || dow.star ? d && w : d || w;
  }

  next(after: number): number | undefined {
    const [minutes, hours, , months] = this.#f;
    const zone = this.#zone;
    // Whole minutes after `after` (activations are on the minute).
    let t = Math.floor(after / 60_000) * 60_000 + 60_000;
    const limit = wallOf(t, zone).year + 5;
    for (let guard = 0; guard < 100_000; guard++) {
      const w = wallOf(t, zone);
      if (w.year > limit) return undefined;
      if (!months.values.has(w.month)) {
        t = instantOf(w.year, w.month + 1, 1, 0, 0, zone);
        continue;
      }
      if (!this.#dayMatches(w.day, w.weekday)) {
        t = instantOf(w.year, w.month, w.day + 1, 0, 0, zone);
        continue;
      }
      if (!hours.values.has(w.hour)) {
        // Instants, not wall hours: a skipped hour is never seen, a repeated one is seen twice.
        t += (60 - w.minute) * 60_000;
        continue;
      }
      if (!minutes.values.has(w.minute)) {
        let m = w.minute + 1;
        while (m < 60 && !minutes.values.has(m)) m++;
        t += (m - w.minute) * 60_000;
        continue;
      }
      return t;
    }
    return undefined;
  }
}

/** `@every`: a constant delay, whole seconds (at least one), counted from the previous time. */
class EverySchedule implements Schedule {
  readonly #ms: number;
  constructor(ms: number) {
    this.#ms = Math.max(1000, Math.floor(ms / 1000) * 1000);
  }
  next(after: number): number {
    return Math.floor(after / 1000) * 1000 + this.#ms;
  }
}

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, "μs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3600_000 };

/** Go's time.ParseDuration, in milliseconds. */
export function parseGoDuration(text: string): number {
  if (text === "0") return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;
  let total = 0;
  const sign = text.startsWith("-") ? -1 : 1;
  let at = text.startsWith("-") || text.startsWith("+") ? 1 : 0;
  re.lastIndex = at;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * UNITS[m[2]];
    at = re.lastIndex;
  }
  if (at !== text.length || at === 0 || /^[+-]$/.test(text)) throw new ScheduleError(`time: invalid duration ${JSON.stringify(text)}`);
  return sign * total;
}

/** A time zone name the runtime's zone database knows (Go's time.LoadLocation). */
export function isKnownTimeZone(name: string): boolean {
  if (name === "UTC" || name === "") return true;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * Parses `spec`, evaluated in `zone` (an IANA name; a TZ= prefix in the spec wins, as in robfig).
 * Throws ScheduleError on a bad spec, with robfig's message.
 */
export function parseSchedule(spec: string, zone: string): Schedule {
  let text = spec;
  if (text.length === 0) throw new ScheduleError("empty spec string");
  if (text.startsWith("TZ=") || text.startsWith("CRON_TZ=")) {
    const space = text.indexOf(" ");
    zone = text.slice(text.indexOf("=") + 1, space < 0 ? undefined : space);
    if (!isKnownTimeZone(zone)) throw new ScheduleError(`provided bad location ${zone}: unknown time zone ${zone}`);
    text = space < 0 ? "" : text.slice(space).trim();
  }
  if (text.startsWith("@every ")) {
    const duration = text.slice("@every ".length);
    try {
      return new EverySchedule(parseGoDuration(duration));
    } catch (err) {
      throw new ScheduleError(`failed to parse duration ${text}: ${(err as Error).message}`);
    }
  }
  if (text.startsWith("@")) {
    const expanded = DESCRIPTORS[text];
    if (!expanded) throw new ScheduleError(`unrecognized descriptor: ${text}`);
    text = expanded;
  }
  const parts = text.split(/\s+/).filter(Boolean);
  if (parts.length !== 5) throw new ScheduleError(`expected exactly 5 fields, found ${parts.length}: [${parts.join(" ")}]`);
  return new CronSchedule(parts.map((p, i) => parseField(p, FIELDS[i]!)), zone);
}

/** What is wrong with a schedule, in robfig's words, or undefined (the registry's validation). */
export function scheduleProblem(spec: string): string | undefined {
  try {
    parseSchedule(spec, "UTC");
    return undefined;
  } catch (err) {
    if (err instanceof ScheduleError) return err.message;
    throw err;
  }
}
