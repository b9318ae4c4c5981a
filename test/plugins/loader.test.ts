import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../plugins/errors.ts";
import { loadPlugin, loadPlugins } from "../../plugins/loader.ts";
import type { PluginRef } from "../../plugins/manifest.ts";
import { runtimeName } from "../../plugins/platform.ts";

const repo = resolve(import.meta.dirname, "../..");
const fixtures = join(repo, "test/fixtures/plugins");

/** A ref as if written at `path` of a manifest in `dir`. */
function ref(use: string, dir: string, path = "plugins[0]", config?: Record<string, unknown>): PluginRef {
  return { use, ...(config ? { with: config } : {}), origin: { file: join(dir, "config.yaml"), path } };
}

async function loadError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected loading to fail");
}

describe("loader: where use: points", () => {
  it("loads a path relative to the manifest's directory", async () => {
    const plugin = await loadPlugin(ref("./plugins/alpha.ts", join(repo, "test/fixtures")), { builtins: {} });
    expect(plugin.definition.name).toBe("alpha");
    expect(plugin.source).toBe(join(fixtures, "alpha.ts"));
  });

  it("loads an absolute path", async () => {
    const plugin = await loadPlugin(ref(join(fixtures, "beta.ts"), tmpdir()), { builtins: {} });
    expect(plugin.definition.name).toBe("beta");
  });

  it("loads a plugin written next to a manifest in another directory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "k3ts-loader-"));
    writeFileSync(join(dir, "local.ts"), 'export default { name: "local", setup: () => ({}) };\n');
    const plugin = await loadPlugin(ref("./local.ts", dir), { builtins: {} });
    expect(plugin.definition.name).toBe("local");
  });

  it("loads a built-in name from the table it is given (specifier or loader function)", async () => {
    const builtins = {
      alpha: pathToFileURL(join(fixtures, "alpha.ts")).href,
      beta: () => import("../fixtures/plugins/beta.ts"),
    };
    expect((await loadPlugin(ref("alpha", tmpdir()), { builtins })).source).toBe("built-in alpha");
    expect((await loadPlugin(ref("beta", tmpdir()), { builtins })).definition.name).toBe("beta");
  });

  it("says clearly when a built-in's file is missing", async () => {
    const builtins = { sqlite: pathToFileURL(join(tmpdir(), "no-such-dir/plugin.ts")).href };
    expect(await loadError(loadPlugin(ref("sqlite", tmpdir()), { builtins }))).toMatch(/built-in module "sqlite" is missing from this k3ts: .*no-such-dir\/plugin\.ts does not exist/);
  });

  it("loads an npm package by name, from the manifest's node_modules or the working directory's", async () => {
    const fromManifestDir = await loadPlugin(ref("k3ts-plugin-hello", join(repo, "test")), { builtins: {} });
    expect(fromManifestDir.definition.name).toBe("hello");
    expect(fromManifestDir.source).toContain("test/fixtures/k3ts-plugin-hello/index.ts");
    const fromCwd = await loadPlugin(ref("k3ts-plugin-hello", tmpdir(), "plugins[0]", { greeting: "hej" }), { builtins: {}, cwd: repo });
    expect(fromCwd.config).toEqual({ greeting: "hej" });
  });

  it("says which package it could not find", async () => {
    const message = await loadError(loadPlugin(ref("k3ts-plugin-nonexistent", tmpdir()), { builtins: {} }));
    expect(message).toContain('cannot find package "k3ts-plugin-nonexistent"');
    expect(message).toContain("npm install k3ts-plugin-nonexistent");
  });

  // A Node-only case (Deno loads these specifiers: test/cli/deno.test.ts), so it is registered under Node only.
  if (runtimeName !== "deno") {
    it("says jsr:, npm: and https: need Deno when running under Node", async () => {
      for (const use of ["jsr:@acme/plugin", "npm:k3ts-plugin-hello", "https://example.com/plugin.ts"]) {
        expect(await loadError(loadPlugin(ref(use, tmpdir()), { builtins: {} }))).toContain("needs Deno");
      }
    });
  }

  it("names the file when a path does not exist", async () => {
    const message = await loadError(loadPlugin(ref("./missing.ts", "/srv/k3ts", "plugins[3]"), { builtins: {} }));
    expect(message).toBe('/srv/k3ts/config.yaml: plugins[3].use: "./missing.ts": no such file: /srv/k3ts/missing.ts');
  });
});

describe("loader: what the module must be", () => {
  it("rejects a default export that is not a plugin definition", async () => {
    const message = await loadError(loadPlugin(ref(join(fixtures, "not-a-plugin.ts"), tmpdir()), { builtins: {} }));
    expect(message).toContain("is not a k3ts plugin: its default export has no setup function");
  });

  it("rejects a module without a default export", async () => {
    const message = await loadError(loadPlugin(ref(join(fixtures, "recorder.ts"), tmpdir()), { builtins: {} }));
    expect(message).toContain("its default export is missing");
  });

  it("checks with: against the plugin's config schema, naming the path", async () => {
    const message = await loadError(loadPlugin(ref(join(fixtures, "with-config.ts"), "/etc/k3ts", "plugins[1]", { port: "80" }), { builtins: {} }));
    expect(message).toContain("/etc/k3ts/config.yaml: invalid configuration for plugin with-config");
    expect(message).toContain('plugins[1].with.port: expected number, found string "80"');
    const unknown = await loadError(loadPlugin(ref(join(fixtures, "with-config.ts"), "/etc/k3ts", "plugins[1]", { port: 80, hots: "x" }), { builtins: {} }));
    expect(unknown).toContain("plugins[1].with.hots: unknown key");
  });

  it("hands the schema's output (defaults filled in) to the plugin", async () => {
    const plugin = await loadPlugin(ref(join(fixtures, "with-config.ts"), tmpdir(), "plugins[0]", { port: 80 }), { builtins: {} });
    expect(plugin.config).toEqual({ port: 80, host: "localhost" });
  });

  it("rejects with: for a plugin that takes no configuration", async () => {
    expect(await loadError(loadPlugin(ref(join(fixtures, "beta.ts"), tmpdir(), "plugins[0]", { x: 1 }), { builtins: {} }))).toContain("plugin beta takes no configuration");
  });

  it("requires a module to provide its capability", async () => {
    const message = await loadError(loadPlugin(ref(join(fixtures, "beta.ts"), tmpdir(), "modules.datastore"), { builtins: {}, mustProvide: "datastore" }));
    expect(message).toContain('plugin beta (');
    expect(message).toContain('does not provide "datastore"');
  });

  it("rejects two plugins of one name", async () => {
    const refs = [{ ref: ref(join(fixtures, "alpha.ts"), "/x", "plugins[0]") }, { ref: ref(join(fixtures, "alpha.ts"), "/x", "plugins[1]") }];
    expect(await loadError(loadPlugins(refs, { builtins: {} }))).toContain("/x/config.yaml: plugins[1]: plugin alpha is already loaded by /x/config.yaml: plugins[0]");
  });
});
