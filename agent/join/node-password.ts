/**
 * The agent's node password (k3s: /etc/rancher/node/password): random, created on first start,
 * kept in <data-dir>/agent/node-password. The server stores its hash under the node's name, so
 * this file is the node's identity: a reinstalled machine without it must be let in by deleting
 * the server's entry.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export function nodePasswordPath(dataDir: string): string {
  return join(dataDir, "agent", "node-password");
}

export function loadOrCreateNodePassword(dataDir: string): string {
  const path = nodePasswordPath(dataDir);
  if (existsSync(path)) {
    const stored = readFileSync(path, "utf8").trim();
    if (stored !== "") return stored;
  }
  const password = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  mkdirSync(dirname(path), { recursive: true });
  // wx: two agents started on one data dir at once must not end up with two passwords.
  try {
    writeFileSync(path, password + "\n", { mode: 0o600, flag: "wx" });
  } catch (err) {
    if ((err as { code?: string }).code !== "EEXIST") throw err;
    return readFileSync(path, "utf8").trim();
  }
  return password;
}
