/**
 * Structured, leveled logging. One line per record: JSON when the output is not a terminal (or
 * K3TS_LOG_FORMAT=json), `time level [component] message key=value` otherwise. Every component and
 * plugin gets a child logger that names it, so a line always says who wrote it.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A logger whose lines carry `component` (joined with the parent's by a slash). */
  child(component: string): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  format?: "json" | "text";
  /** Where lines go; standard error by default. */
  write?: (line: string) => void;
  component?: string;
}

export function isLogLevel(value: string): value is LogLevel {
  return value in LEVELS;
}

function describe(value: unknown): unknown {
  if (value instanceof Error) return value.message;
  return value;
}

function textValue(value: unknown): string {
  const v = describe(value);
  if (typeof v === "string") return /[\s"=]/.test(v) || v === "" ? JSON.stringify(v) : v;
  return JSON.stringify(v) ?? String(v);
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const min = LEVELS[options.level ?? "info"];
  const format = options.format ?? "text";
  const write = options.write ?? ((line: string) => console.error(line));
  const component = options.component;

  function emit(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    if (LEVELS[level] < min) return;
    const time = new Date().toISOString();
    if (format === "json") {
      const record: Record<string, unknown> = { time, level, msg };
      if (component) record.component = component;
      for (const [k, v] of Object.entries(fields ?? {})) record[k] = describe(v);
      write(JSON.stringify(record));
      return;
    }
    let line = `${time} ${level.toUpperCase().padEnd(5)} ${component ? `[${component}] ` : ""}${msg}`;
    for (const [k, v] of Object.entries(fields ?? {})) line += ` ${k}=${textValue(v)}`;
    write(line);
  }

  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (name) =>
      createLogger({ ...options, component: component ? `${component}/${name}` : name }),
  };
}

/** A logger that drops everything (tests, embedders who log elsewhere). */
export const silentLogger: Logger = createLogger({ write: () => {}, level: "error" });
