/**
 * Automatic compaction of a datastore's change log, as both built-in drivers run it: keep at
 * most `keepRevisions` revisions and nothing older than `maxAgeSeconds`, every
 * `intervalSeconds` and after every `everyWrites` writes, `batchSize` revisions at a time.
 * Driver plugins accept these options under `with: {compaction: {...}}`.
 */
export interface CompactionOptions {
  /** Run automatic compaction at all (compact() works either way). */
  enabled: boolean;
  /** Keep at most this many revisions in the log. */
  keepRevisions: number;
  /** Drop log entries older than this. 0: no age limit. */
  maxAgeSeconds: number;
  /** Run this often... */
  intervalSeconds: number;
  /** ...and also after this many writes (through this process). */
  everyWrites: number;
  /** Revisions deleted per transaction or statement. */
  batchSize: number;
}

export const defaultCompactionOptions: CompactionOptions = {
  enabled: true,
  keepRevisions: 10_000,
  maxAgeSeconds: 3600,
  intervalSeconds: 60,
  everyWrites: 1000,
  batchSize: 500,
};
