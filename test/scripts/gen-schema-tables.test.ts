/**
 * The committed tables in server/registry/schema/*.generated.ts must be what
 * scripts/gen-schema-tables.ts writes from the installed @kubernetes/client-node: the server reads
 * them instead of client-node, so an upgrade that is not followed by a re-run fails here.
 */
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const repo = resolve(import.meta.dirname, "../..");

it("the generated schema tables match installed client-node (else run node scripts/gen-schema-tables.ts)", async () => {
  const result = await promisify(execFile)(process.execPath, [resolve(repo, "scripts/gen-schema-tables.ts"), "--check"], { cwd: repo })
    .then(() => ({ code: 0, stderr: "" }), (error: { code?: number; stderr?: string }) => ({ code: error.code ?? -1, stderr: error.stderr ?? "" }));
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
});
