/**
 * A minimal, deterministic ustar writer: what OCI image layers and image archives need (regular
 * files, directories, symlinks), owned by root, with one fixed modification time, so that the same
 * input always gives the same bytes and the same digests (reproducible image builds).
 */

export type TarEntry =
  | { type: "file"; path: string; mode: number; data: Uint8Array }
  | { type: "dir"; path: string; mode: number }
  | { type: "symlink"; path: string; target: string };

const BLOCK = 512;
const encoder = new TextEncoder();

function writeString(header: Uint8Array, offset: number, length: number, value: string): void {
  const bytes = encoder.encode(value);
  if (bytes.length > length) throw new Error(`tar: ${JSON.stringify(value)} is longer than ${length} bytes`);
  header.set(bytes, offset);
}

/** Octal digits, zero-padded, NUL-terminated, in a field of `length` bytes. */
function writeOctal(header: Uint8Array, offset: number, length: number, value: number): void {
  writeString(header, offset, length, value.toString(8).padStart(length - 1, "0") + "\0");
}

/** ustar keeps names up to 100 bytes, or 255 split at a slash into prefix (155) and name (100). */
function splitName(path: string): { name: string; prefix: string } {
  if (encoder.encode(path).length <= 100) return { name: path, prefix: "" };
  for (let i = path.lastIndexOf("/", path.length - 2); i > 0; i = path.lastIndexOf("/", i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (encoder.encode(prefix).length <= 155 && encoder.encode(name).length <= 100) return { name, prefix };
  }
  throw new Error(`tar: path too long for ustar: ${path}`);
}

function header(entry: TarEntry, mtime: number): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const path = entry.type === "dir" && !entry.path.endsWith("/") ? `${entry.path}/` : entry.path;
  const { name, prefix } = splitName(path);
  writeString(h, 0, 100, name);
  writeOctal(h, 100, 8, entry.type === "symlink" ? 0o777 : entry.mode);
  writeOctal(h, 108, 8, 0); // uid
  writeOctal(h, 116, 8, 0); // gid
  writeOctal(h, 124, 12, entry.type === "file" ? entry.data.length : 0);
  writeOctal(h, 136, 12, mtime);
  h.fill(0x20, 148, 156); // checksum is computed with its own field as spaces
  h[156] = (entry.type === "file" ? "0" : entry.type === "dir" ? "5" : "2").charCodeAt(0);
  if (entry.type === "symlink") writeString(h, 157, 100, entry.target);
  writeString(h, 257, 6, "ustar\0");
  writeString(h, 263, 2, "00");
  writeString(h, 265, 32, "root");
  writeString(h, 297, 32, "root");
  writeOctal(h, 329, 8, 0);
  writeOctal(h, 337, 8, 0);
  writeString(h, 345, 155, prefix);
  let sum = 0;
  for (const byte of h) sum += byte;
  writeString(h, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return h;
}

/** The tar archive of `entries`, in the order given, every entry with modification time `mtime` (seconds). */
export function tar(entries: readonly TarEntry[], mtime: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (const entry of entries) {
    const h = header(entry, mtime);
    chunks.push(h);
    size += BLOCK;
    if (entry.type === "file") {
      const padded = Math.ceil(entry.data.length / BLOCK) * BLOCK;
      const body = new Uint8Array(padded);
      body.set(entry.data);
      chunks.push(body);
      size += padded;
    }
  }
  // The end of an archive: two zero blocks.
  size += 2 * BLOCK;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
