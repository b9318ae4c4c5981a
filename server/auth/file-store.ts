/**
 * The tiny file-access adapter the PKI and token code write through, so that the server core can
 * run where there is no file system (an edge runtime keeps these in a secret store instead).
 * Names are flat ("server-ca.crt"); contents are text (PEM, tokens, JSON).
 */
export interface FileStore {
  /** The file's text, or undefined when it does not exist. */
  read(name: string): Promise<string | undefined>;
  /** Replaces the file. `secret` files (private keys, tokens) must be readable by the owner only (0600). */
  write(name: string, content: string, options?: { secret?: boolean }): Promise<void>;
}

/** An in-memory store: for tests, and for embedders that persist elsewhere. */
export function memoryFileStore(initial: Record<string, string> = {}): FileStore & {
  files: Map<string, { content: string; secret: boolean }>;
} {
  const files = new Map(Object.entries(initial).map(([k, v]) => [k, { content: v, secret: false }]));
  return {
    files,
    read: async (name) => files.get(name)?.content,
    write: async (name, content, options) => {
      files.set(name, { content, secret: options?.secret ?? false });
    },
  };
}
