/**
 * Key prefixes as index ranges. Keys live in `text COLLATE "C"` columns, which compare by bytes:
 * for UTF-8 that is code point order, the order the contract promises. A prefix scan is then the
 * range [prefix, successor(prefix)), which the primary key index answers directly (a LIKE with a
 * bound parameter would not use the index under a generic plan).
 */

/**
 * The least string greater than every string that starts with `prefix`, or undefined when there
 * is none (empty prefix, or a prefix of only U+10FFFF).
 */
export function prefixEnd(prefix: string): string | undefined {
  const points = Array.from(prefix, (c) => c.codePointAt(0)!);
  while (points.length > 0) {
    let last = points.pop()!;
    if (last === 0x10ffff) continue; // no successor: carry into the previous code point
    last += 1;
    if (last === 0xd800) last = 0xe000; // surrogates are not characters
    points.push(last);
    return String.fromCodePoint(...points);
  }
  return undefined;
}
