/**
 * The static bearer-token table: the admin token of the kubeconfig and the nodes' tokens.
 * Tokens are kept only as SHA-256 digests, and looked up by digest: the map lookup then leaks
 * nothing usable about a token by its timing, and a heap dump holds no usable token.
 */
import { sha256Hex } from "./constant-time.ts";
import type { UserInfo } from "./user.ts";

export interface StaticTokenTable {
  lookup(token: string): Promise<UserInfo | undefined>;
  set(token: string, user: UserInfo): Promise<void>;
  delete(token: string): Promise<void>;
}

export async function createStaticTokenTable(entries: Array<{ token: string; user: UserInfo }> = []): Promise<StaticTokenTable> {
  const users = new Map<string, UserInfo>();
  const table: StaticTokenTable = {
    lookup: async (token) => users.get(await sha256Hex(token)),
    set: async (token, user) => {
      if (token === "") throw new Error("a static token must not be empty");
      users.set(await sha256Hex(token), user);
    },
    delete: async (token) => {
      users.delete(await sha256Hex(token));
    },
  };
  for (const { token, user } of entries) await table.set(token, user);
  return table;
}
