/**
 * CommandShell (agent/kubelet/volumes/command-shell.ts): host commands through one long-lived
 * shell — real commands, real exit statuses, words with spaces and quotes passed as they are.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CommandShell, HostCommandError } from "../../../agent/kubelet/volumes/command-shell.ts";

describe("CommandShell", () => {
  const shell = new CommandShell(2);
  const dir = mkdtempSync(join(tmpdir(), "k3ts-command-shell-"));
  afterAll(() => {
    shell.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs a command with words that hold spaces, quotes and shell syntax, unexpanded", async () => {
    const file = join(dir, `it's a "file" $HOME; $(echo no)`);
    await shell.run("touch", [file]);
    await shell.run("sh", ["-c", 'printf %s "$1" > "$2"', "sh", "a'b c", join(dir, "out")]);
    expect(readFileSync(file, "utf8")).toBe("");
    expect(readFileSync(join(dir, "out"), "utf8")).toBe("a'b c");
  });

  it("rejects with the exit status and what the command printed", async () => {
    const err = await shell.run("sh", ["-c", "echo first line; echo second >&2; exit 3"]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostCommandError);
    expect((err as HostCommandError).status).toBe(3);
    expect((err as Error).message).toContain("first line second");
  });

  it("ends a command that outlives its timeout", async () => {
    const started = Date.now();
    const err = await shell.run("sleep", ["30"]).catch((e: unknown) => e);
    expect((err as Error).message).toContain("timed out after 2 s");
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("answers many commands at once, each with its own result", async () => {
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => shell.run("sh", ["-c", `exit ${i % 2}`])));
    expect(results.map((r) => r.status)).toEqual(Array.from({ length: 20 }, (_, i) => (i % 2 ? "rejected" : "fulfilled")));
  });

  it("starts a new shell when the old one died", async () => {
    shell.close();
    await shell.run("true", []);
  });
});
