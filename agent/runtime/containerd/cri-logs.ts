/**
 * Container logs from the files containerd's CRI writes (one record a line:
 * `<RFC 3339 nano time> <stdout|stderr> <P|F> <content>`, P for a partial line continued in the
 * next record, F for a full one), with kubectl's options: tail, since, timestamps, limit-bytes and
 * follow. Following polls the file, and ends when the container has stopped and nothing new came.
 */
import { open } from "node:fs/promises";
import type { LogOptions } from "../mod.ts";

export interface LogLine {
  /** The time of the line's first record, as written (RFC 3339 with nanoseconds). */
  time: string;
  stream: "stdout" | "stderr";
  /** The line, without its newline. */
  content: string;
}

const FOLLOW_POLL_MS = 200;

/**
 * Parses complete records from `text` (up to its last newline) into lines, carrying partial
 * records over in `pending`. Returns the unparsed rest (an incomplete record).
 */
export function parseCriLog(text: string, pending: { line?: LogLine }, out: LogLine[]): string {
  let start = 0;
  for (let nl = text.indexOf("\n"); nl >= 0; start = nl + 1, nl = text.indexOf("\n", start)) {
    const record = text.slice(start, nl);
    const a = record.indexOf(" ");
    const b = record.indexOf(" ", a + 1);
    const c = record.indexOf(" ", b + 1);
    if (a < 0 || b < 0) continue;
    const time = record.slice(0, a);
    const stream = record.slice(a + 1, b) === "stderr" ? "stderr" : "stdout";
    const tag = c < 0 ? record.slice(b + 1) : record.slice(b + 1, c);
    const content = c < 0 ? "" : record.slice(c + 1);
    const line = pending.line ?? { time, stream, content: "" };
    line.content += content;
    if (tag.startsWith("P")) {
      pending.line = line;
    } else {
      pending.line = undefined;
      out.push(line);
    }
  }
  return text.slice(start);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * The log at `path` as a byte stream of lines. `running` says whether the container may still
 * write (following stops once it says no and the file has no more).
 */
export function readCriLog(path: string, options: LogOptions, running: () => Promise<boolean>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const signal = options.signal;
  let budget = options.limitBytes ?? Number.POSITIVE_INFINITY;
  const format = (line: LogLine) => `${options.timestamps ? `${line.time} ` : ""}${line.content}\n`;
  const wanted = (line: LogLine) => options.since === undefined || Date.parse(line.time) >= options.since;

  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    cancel() {
      cancelled = true;
    },
    async start(controller) {
      const emit = (lines: LogLine[]): boolean => {
        for (const line of lines) {
          if (cancelled) return false;
          if (!wanted(line)) continue;
          let bytes = encoder.encode(format(line));
          if (bytes.length > budget) bytes = bytes.subarray(0, budget);
          budget -= bytes.length;
          if (bytes.length > 0) controller.enqueue(bytes);
          if (budget <= 0) return false;
        }
        return true;
      };
      let file;
      try {
        file = await open(path, "r");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") {
          controller.close();
          return;
        }
        controller.error(error);
        return;
      }
      try {
        let position = 0;
        let rest = "";
        const pending: { line?: LogLine } = {};
        const readMore = async (): Promise<LogLine[]> => {
          const lines: LogLine[] = [];
          const chunk = new Uint8Array(64 * 1024);
          for (;;) {
            const { bytesRead } = await file.read(chunk, 0, chunk.length, position);
            if (bytesRead === 0) break;
            position += bytesRead;
            rest = parseCriLog(rest + decoder.decode(chunk.subarray(0, bytesRead), { stream: true }), pending, lines);
          }
          return lines;
        };
        let lines = await readMore();
        if (options.tail !== undefined) lines = options.tail <= 0 ? [] : lines.filter(wanted).slice(-options.tail);
        if (!emit(lines) || !options.follow || cancelled) return cancelled ? undefined : controller.close();
        while (!signal?.aborted && !cancelled) {
          const more = await readMore();
          if (!emit(more)) break;
          if (more.length === 0) {
            if (!(await running())) {
              // One last read: the container may have written just before it stopped.
              emit(await readMore());
              break;
            }
            await sleep(FOLLOW_POLL_MS, signal);
          }
        }
        if (!cancelled) controller.close();
      } catch (error) {
        if (!cancelled) controller.error(error);
      } finally {
        await file.close();
      }
    },
  });
}
