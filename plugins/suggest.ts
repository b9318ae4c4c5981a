/**
 * "Did you mean …?" for mistyped flags, commands and manifest keys: the known name nearest to
 * what was typed by edit distance, when it is near enough to be a plausible typo.
 */

/** Levenshtein distance (insertions, deletions and substitutions each cost 1). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The candidate nearest to `input`, or undefined when none is within a third of the input's
 * length (at least 2 edits) nor has all its words, so that unrelated words get no misleading
 * suggestion.
 */
export function nearest(input: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(2, Math.floor(input.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    // Compare without case and with `_` as `-`: `Cluster_CIDR` is clearly `cluster-cidr`.
    const distance = editDistance(normalize(input), normalize(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (bestDistance <= limit) return best;
  return byWords(input, candidates);
}

/**
 * A candidate that has every dash-separated word of the input, in order (`--https-port` →
 * `--https-listen-port`): a left-out word is too many edits for the distance rule. The shortest
 * such candidate wins.
 */
function byWords(input: string, candidates: Iterable<string>): string | undefined {
  const words = normalize(input).split("-").filter(Boolean);
  if (words.length < 2) return undefined;
  let best: string | undefined;
  for (const candidate of candidates) {
    const theirs = normalize(candidate).split("-").filter(Boolean);
    let at = 0;
    for (const word of theirs) if (word === words[at]) at++;
    if (at === words.length && (best === undefined || candidate.length < best.length)) best = candidate;
  }
  return best;
}

/** ` (did you mean `x`?)`, or nothing when no candidate is near. */
export function didYouMean(input: string, candidates: Iterable<string>, quote = (s: string) => `\`${s}\``): string {
  const match = nearest(input, candidates);
  return match === undefined ? "" : ` (did you mean ${quote(match)}?)`;
}

function normalize(s: string): string {
  return s.toLowerCase().replaceAll("_", "-");
}
