/**
 * CronJob schedules as upstream checks them: robfig/cron's ParseStandard (five fields, or a
 * descriptor such as @hourly or `@every 1h30m`), with its error texts, which kube-apiserver
 * returns as the detail of `spec.schedule: Invalid value`. Returns the problem, or undefined.
 */

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DAYS: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

const FIELDS: Bounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTHS },
  { min: 0, max: 6, names: DAYS },
];

const DESCRIPTORS = new Set(["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]);

class CronError extends Error {}

/** Go's strconv.Atoi error text. */
function atoi(s: string): number {
  if (!/^[+-]?[0-9]+$/.test(s)) throw new CronError(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  return Number(s);
}

function mustParseInt(s: string): number {
  let n: number;
  try {
    n = atoi(s);
  } catch (err) {
    throw new CronError(`failed to parse int from ${s}: ${(err as Error).message}`);
  }
  if (n < 0) throw new CronError(`negative number (${n}) not allowed: ${s}`);
  return n;
}

function parseIntOrName(s: string, names?: Record<string, number>): number {
  const named = names?.[s.toLowerCase()];
  return named ?? mustParseInt(s);
}

function checkRange(expr: string, b: Bounds): void {
  const rangeAndStep = expr.split("/");
  const lowAndHigh = rangeAndStep[0].split("-");
  const singleDigit = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  if (lowAndHigh[0] === "*" || lowAndHigh[0] === "?") {
    start = b.min;
    end = b.max;
  } else {
    start = parseIntOrName(lowAndHigh[0], b.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1], b.names);
    else throw new CronError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1]);
    // "N/step" means "N-max/step".
    if (singleDigit) end = b.max;
  } else if (rangeAndStep.length > 2) {
    throw new CronError(`too many slashes: ${expr}`);
  }
  if (start < b.min) throw new CronError(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
  if (end > b.max) throw new CronError(`end of range (${end}) above maximum (${b.max}): ${expr}`);
  if (start > end) throw new CronError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronError(`step of range should be a positive number: ${expr}`);
}

/** Go's time.ParseDuration, enough to accept or refuse `@every` durations. */
function isGoDuration(s: string): boolean {
  if (s === "0") return true;
  return /^[+-]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/.test(s);
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

export function scheduleProblem(spec: string): string | undefined {
  try {
    parseStandard(spec);
    return undefined;
  } catch (err) {
    if (err instanceof CronError) return err.message;
    throw err;
  }
}

function parseStandard(spec: string): void {
  if (spec.length === 0) throw new CronError("empty spec string");
  if (spec.startsWith("TZ=") || spec.startsWith("CRON_TZ=")) {
    const i = spec.indexOf(" ");
    const zone = spec.slice(spec.indexOf("=") + 1, i < 0 ? undefined : i);
    if (!isKnownTimeZone(zone)) throw new CronError(`provided bad location ${zone}: unknown time zone ${zone}`);
    spec = i < 0 ? "" : spec.slice(i).trim();
  }
  if (spec.startsWith("@")) {
    if (spec.startsWith("@every ")) {
      const d = spec.slice("@every ".length);
      if (!isGoDuration(d)) throw new CronError(`failed to parse duration ${spec}: time: invalid duration ${JSON.stringify(d)}`);
      return;
    }
    if (!DESCRIPTORS.has(spec)) throw new CronError(`unrecognized descriptor: ${spec}`);
    return;
  }
  const fields = spec.split(/\s+/).filter(Boolean);
  if (fields.length !== 5) throw new CronError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(" ")}]`);
  fields.forEach((field, i) => {
    for (const expr of field.split(",")) checkRange(expr, FIELDS[i]);
  });
}
