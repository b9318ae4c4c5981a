/**
 * Completion indexes of Indexed Jobs: the index a pod carries (annotation, else label), and the
 * compact interval text of status.completedIndexes ("1,3-5,7": runs of three or more collapse).
 */
import type { Pod } from "../pod-status.ts";
import { COMPLETION_INDEX_ANNOTATION } from "./types.ts";

/** The pod's completion index, or undefined when it has none or it is not a number. */
export function completionIndex(pod: Pod): number | undefined {
  const text = pod.metadata.annotations?.[COMPLETION_INDEX_ANNOTATION] ?? pod.metadata.labels?.[COMPLETION_INDEX_ANNOTATION];
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}

/** Parses "1,3-5,7" into a sorted set of indexes below `completions` (bad parts are skipped). */
export function parseIndexes(text: string | undefined, completions: number): Set<number> {
  const out = new Set<number>();
  for (const part of (text ?? "").split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    for (let i = from; i <= to && i < completions; i++) out.add(i);
  }
  return out;
}

export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    if (j === i) parts.push(String(sorted[i]));
    else if (j === i + 1) parts.push(String(sorted[i]), String(sorted[j]));
    else parts.push(`${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

/** The lowest indexes below `completions` that neither succeeded nor have an active pod. */
export function firstPendingIndexes(succeeded: Set<number>, activeIndexes: Set<number>, count: number, completions: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < completions && out.length < count; i++) {
    if (!succeeded.has(i) && !activeIndexes.has(i)) out.push(i);
  }
  return out;
}
