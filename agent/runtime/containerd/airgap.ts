/**
 * k3s's airgap images: every image archive in `<data-dir>/agent/images/` is imported into
 * containerd's `k8s.io` namespace (the one CRI uses) at agent start, with `ctr images import`
 * (Debian's containerd ships ctr; it does what k3s does through the containerd client: load the
 * archive's blobs, name the images, unpack them for the snapshotter). A file imported before, with
 * the same size and mtime, is skipped, as long as the record of it sits beside containerd's root.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../../../plugins/mod.ts";

/** Archive names ctr can import: plain tar, or compressed (ctr detects gzip and zstd). */
const ARCHIVE = /\.(tar|tar\.gz|tgz|tar\.zst|tzst)$/;

export interface ImportOptions {
  /** The directory of archives (`<data-dir>/agent/images`). */
  imagesDir: string;
  /** containerd's socket. */
  socket: string;
  snapshotter: string;
  /** Where the record of imported files is kept (next to containerd's root, so they go together). */
  recordFile: string;
  log: Logger;
  signal: AbortSignal;
  ctr?: string;
}

interface ImportRecord {
  [file: string]: { size: number; mtimeMs: number; images: string[] };
}

export interface ImportResult {
  imported: { file: string; images: string[] }[];
  skipped: string[];
  failed: { file: string; error: string }[];
}

function readRecord(path: string): ImportRecord {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as ImportRecord;
  } catch {
    return {};
  }
}

/** Runs ctr; resolves with its output, rejects with its error output. Aborting kills it. */
export function runCtr(ctr: string, args: string[], signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(ctr, args, { stdio: ["ignore", "pipe", "pipe"], signal });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    child.once("error", (e) => reject((e as NodeJS.ErrnoException).code === "ENOENT" ? new Error(`${ctr} not found: install containerd (it ships ctr)`) : e));
    child.once("close", (code) => (code === 0 ? resolve(out) : reject(new Error((err || out).trim() || `ctr exited with ${code}`))));
  });
}

/** The image names in ctr's import output (`unpacking docker.io/library/busybox:local (sha256:...)...done`). */
export function importedNames(output: string): string[] {
  return [...output.matchAll(/^unpacking (\S+) \(/gm)].map((m) => m[1]!);
}

export async function importAirgapImages(options: ImportOptions): Promise<ImportResult> {
  const { imagesDir, log, signal } = options;
  const result: ImportResult = { imported: [], skipped: [], failed: [] };
  if (!existsSync(imagesDir)) return result;
  const files = readdirSync(imagesDir).filter((f) => ARCHIVE.test(f)).sort();
  if (files.length === 0) return result;
  const record = readRecord(options.recordFile);
  log.info("importing airgap images", { dir: imagesDir, files: files.length });
  for (const [i, file] of files.entries()) {
    if (signal.aborted) break;
    const path = join(imagesDir, file);
    const stat = statSync(path);
    const seen = record[file];
    if (seen && seen.size === stat.size && seen.mtimeMs === stat.mtimeMs) {
      result.skipped.push(file);
      log.debug("airgap image archive already imported", { file });
      continue;
    }
    const started = Date.now();
    log.info(`importing ${file} (${i + 1}/${files.length})`, { bytes: stat.size });
    try {
      const output = await runCtr(options.ctr ?? "ctr", [
        "--address", options.socket, "--namespace", "k8s.io",
        "images", "import", "--all-platforms", "--snapshotter", options.snapshotter, path,
      ], signal);
      const images = importedNames(output);
      record[file] = { size: stat.size, mtimeMs: stat.mtimeMs, images };
      writeFileSync(options.recordFile, `${JSON.stringify(record, null, 2)}\n`);
      result.imported.push({ file, images });
      log.info(`imported ${file}`, { images: images.join(","), ms: Date.now() - started });
    } catch (error) {
      const message = (error as Error).message;
      result.failed.push({ file, error: message });
      log.error(`could not import ${file}`, { error: message });
    }
  }
  return result;
}
