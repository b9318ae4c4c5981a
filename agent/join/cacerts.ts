/**
 * The first step of a join, as k3s's agent takes it: fetch the server's CA from /cacerts without
 * verifying the connection (there is nothing to verify it with yet), and accept it only if its
 * hash is the one the token pins. From then on only that CA is trusted.
 */
import { request } from "node:https";
// The hash must be computed exactly as the server's token is (server/auth/tokens.ts): one
// definition, imported rather than copied (pure functions, no server state).
import { type ParsedToken, verifyCaHash } from "../../server/auth/tokens.ts";

export class CaHashMismatch extends Error {
  override name = "CaHashMismatch";
}

/** GETs <server>/cacerts, unverified; resolves with the PEM text (its exact bytes are hashed). */
export function fetchCaUnverified(server: string, signal?: AbortSignal): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const r = request(`${server.replace(/\/+$/, "")}/cacerts`, { method: "GET", rejectUnauthorized: false, signal, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    r.on("timeout", () => r.destroy(Object.assign(new Error(`no answer from ${server} within 10 s`), { code: "ETIMEDOUT" })));
    r.on("error", reject);
    r.end();
  });
}

/** The CA if the token pins it (or pins nothing: `pinned` false); throws CaHashMismatch otherwise. */
export async function checkCa(server: string, caPem: string, token: ParsedToken): Promise<{ ca: string; pinned: boolean }> {
  if (!caPem.includes("-----BEGIN CERTIFICATE-----")) throw new Error(`${server}/cacerts did not answer a PEM certificate: is this a k3ts server?`);
  const { ok, actual } = await verifyCaHash(token, caPem);
  if (!ok) {
    throw new CaHashMismatch(
      `the CA certificate of ${server} does not match the token's CA hash (the server's CA hashes to K10${actual}, the token pins K10${token.caHash}): ` +
        `the token is for another cluster, or something between this agent and the server presents its own certificate. ` +
        `Use the token in the server's <data-dir>/server/agent-token`,
    );
  }
  return { ca: caPem, pinned: token.caHash !== undefined };
}
