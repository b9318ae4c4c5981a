/**
 * FileStore over a directory with node:fs (Node and Deno both provide it). Kept apart from the
 * core so that only the composition root imports node:fs.
 */
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { FileStore } from "./file-store.ts";

export function nodeFileStore(dir: string): FileStore {
  let ready: Promise<unknown> | undefined;
  // The directory holds CA keys: only the owner may list it.
  const ensureDir = () => (ready ??= mkdir(dir, { recursive: true, mode: 0o700 }));
  return {
    async read(name) {
      try {
        return await readFile(join(dir, name), "utf8");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw error;
      }
    },
    async write(name, content, options) {
      await ensureDir();
      const mode = options?.secret ? 0o600 : 0o644;
      const path = join(dir, name);
      // Write aside and rename, so that a crash never leaves a half-written key or certificate;
      // the temporary file is created with the final mode, so a key is never briefly world-readable.
      const temporary = `${path}.${crypto.randomUUID()}.tmp`;
      await writeFile(temporary, content, { mode });
      await chmod(temporary, mode); // the umask may have removed bits we asked for; never added any
      await rename(temporary, path);
    },
  };
}
