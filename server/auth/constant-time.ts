import { createHash } from "node:crypto";

/**
 * Secret comparison whose time does not depend on where the inputs differ. Web crypto has no
 * timingSafeEqual, so both sides are hashed first (equal length, and the comparison then leaks
 * nothing about the secret's length) and the digests compared without an early exit.
 */
export async function constantTimeEqual(a: string, b: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const [x, y] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(a)),
    crypto.subtle.digest("SHA-256", encoder.encode(b)),
  ]);
  const left = new Uint8Array(x);
  const right = new Uint8Array(y);
  let difference = 0;
  for (let i = 0; i < left.length; i++) difference |= left[i]! ^ right[i]!;
  return difference === 0;
}

/**
 * Lowercase hex SHA-256 of text or bytes. node:crypto's hash (Node and Deno both have it) rather
 * than web crypto's: every HTTP request's bearer token is hashed here, and subtle.digest's async
 * job cost 4 % of the server's CPU in the scale benchmark, fifty times the hash itself.
 */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  return createHash("sha256").update(data).digest("hex");
}
