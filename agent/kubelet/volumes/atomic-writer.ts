/**
 * Upstream's AtomicWriter (pkg/volume/util/atomic_writer.go): a volume's files live in a
 * timestamped directory `..<time>`, `..data` is a symlink to the current one, and each
 * top-level entry the user sees is a symlink through `..data`. An update writes a new
 * timestamped directory and renames a fresh `..data_tmp` symlink over `..data` — one atomic
 * rename, so a reader sees the old files or the new ones, never a mix. Nothing is written when
 * the payload did not change.
 */
import { chmod, chown, lstat, mkdir, readdir, readFile, readlink, rename, rm, symlink, writeFile } from "node:fs/promises";
import { dirname, join, normalize, sep } from "node:path";

export interface FileProjection {
  data: Uint8Array;
  /** Permission bits (0o644 by default). */
  mode: number;
}

/** Relative path -> contents. */
export type Payload = Map<string, FileProjection>;

const DATA = "..data";
const DATA_TMP = "..data_tmp";

/** A payload path must stay inside the volume: relative, no `..` element, not starting with `..`. */
export function validPayloadPath(path: string): boolean {
  if (!path || path.startsWith("/") || path.startsWith("..")) return false;
  return !normalize(path).split(sep).includes("..") && normalize(path) === path.replace(/\/+$/, "");
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

async function same(dir: string, payload: Payload): Promise<boolean> {
  const current = join(dir, DATA);
  try {
    await lstat(current);
  } catch {
    return false;
  }
  const existing = await listFiles(current);
  if (existing.length !== payload.size) return false;
  for (const [path, f] of payload) {
    try {
      const [bytes, info] = await Promise.all([readFile(join(current, path)), lstat(join(current, path))]);
      if (!equalBytes(f.data, bytes) || (info.mode & 0o7777) !== f.mode) return false;
    } catch {
      return false;
    }
  }
  return true;
}

async function listFiles(root: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(root, prefix), { withFileTypes: true })) {
    const rel = prefix ? join(prefix, e.name) : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(root, rel)));
    else out.push(rel);
  }
  return out;
}

/**
 * Writes `payload` into `dir` atomically; returns false when nothing changed. `gid` (fsGroup)
 * owns the files when given.
 */
export async function writeAtomically(dir: string, payload: Payload, gid?: number): Promise<boolean> {
  for (const path of payload.keys()) if (!validPayloadPath(path)) throw new Error(`invalid path ${JSON.stringify(path)} in volume payload`);
  await mkdir(dir, { recursive: true });
  if (await same(dir, payload)) return false;
  const stamp = `..${new Date().toISOString().replace(/[:.]/g, "_")}.${Math.random().toString(36).slice(2, 10)}`;
  const tsDir = join(dir, stamp);
  await mkdir(tsDir, { mode: 0o755 });
  for (const [path, f] of payload) {
    const target = join(tsDir, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, f.data);
    await chmod(target, f.mode);
    if (gid !== undefined) await chown(target, 0, gid);
  }
  let old: string | undefined;
  try {
    old = await readlink(join(dir, DATA));
  } catch { /* first write */ }
  await rm(join(dir, DATA_TMP), { force: true });
  await symlink(stamp, join(dir, DATA_TMP));
  await rename(join(dir, DATA_TMP), join(dir, DATA));
  // The user-visible entries: one symlink per top-level name, through ..data.
  const top = new Set([...payload.keys()].map((p) => p.split("/")[0]));
  for (const name of top) {
    const link = join(dir, name);
    try {
      if ((await readlink(link)) === join(DATA, name)) continue;
    } catch { /* missing, or not a link */ }
    await rm(link, { recursive: true, force: true });
    await symlink(join(DATA, name), link);
  }
  for (const e of await readdir(dir)) {
    if (e.startsWith("..") || top.has(e)) continue;
    await rm(join(dir, e), { recursive: true, force: true });
  }
  if (old && old !== stamp) await rm(join(dir, old), { recursive: true, force: true });
  return true;
}
