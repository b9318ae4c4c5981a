/**
 * Writes the admin kubeconfig where the user asked (--write-kubeconfig, with
 * --write-kubeconfig-mode) and always under the data dir, replacing the file atomically so that
 * a kubectl reading it never sees half of it.
 */
import { chmodSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export function writeKubeconfig(path: string, content: string, mode: number): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileSync(temporary, content, { mode });
  chmodSync(temporary, mode);
  renameSync(temporary, path);
}

/** "600", "0644" → the numeric mode; undefined for anything that is not octal. */
export function parseFileMode(text: string): number | undefined {
  return /^0?[0-7]{3}$/.test(text) ? parseInt(text, 8) : undefined;
}
