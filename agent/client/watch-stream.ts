/**
 * One watch connection's events: the API server's JSON stream is one `{"type","object"}` per line
 * (upstream frames JSON watch events with newlines too). ERROR events become errors thrown to the
 * reader; BOOKMARK events are passed on, for the resourceVersion they carry.
 */
import type { KubeObject } from "../../plugins/client.ts";
import { errorFromStatus } from "./errors.ts";

export interface RawWatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";
  object: KubeObject;
}

/** Reads events until the server ends the stream (normal: its timeout) or the body fails. */
export async function* watchEvents(body: AsyncIterable<Buffer | string>): AsyncGenerator<RawWatchEvent> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of body) {
    buffered += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line) yield parse(line);
    }
  }
  const rest = (buffered + decoder.decode()).trim();
  if (rest) yield parse(rest);
}

function parse(line: string): RawWatchEvent {
  const event = JSON.parse(line) as { type: string; object: KubeObject & { code?: number; reason?: string; message?: string } };
  if (event.type === "ERROR") throw errorFromStatus(event.object);
  return event as RawWatchEvent;
}
