/**
 * The key range of a prefix, for index range scans: every key that starts with `prefix` is
 * >= `start` and < `end` in the byte order of UTF-8, which is also code point order and
 * SQLite's BINARY collation of TEXT.
 */
export interface KeyRange {
  start: string;
  /** Exclusive; undefined when the range has no upper bound (the empty prefix). */
  end: string | undefined;
}

const MAX_CODE_POINT = 0x10ffff;

export function prefixRange(prefix: string): KeyRange {
  return { start: prefix, end: prefixEnd(prefix) };
}

/** The smallest string greater than every string that starts with `prefix`. */
function prefixEnd(prefix: string): string | undefined {
  const points = Array.from(prefix, (c) => c.codePointAt(0)!);
  // Increment the last code point that can be incremented; drop the maximal ones after it.
  while (points.length > 0) {
    let last = points.pop()!;
    if (last === MAX_CODE_POINT) continue;
    last += 1;
    if (last >= 0xd800 && last <= 0xdfff) last = 0xe000; // skip the surrogate block
    points.push(last);
    return String.fromCodePoint(...points);
  }
  return undefined;
}

