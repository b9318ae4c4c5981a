/**
 * registries.yaml without containerd: the format's checks and their messages, and the hosts.toml
 * files and credentials it becomes (the real pulls are in registries.test.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readRegistries } from "../../../agent/runtime/containerd/plugin.ts";
import { loadRegistries, parseRegistries } from "../../../agent/runtime/containerd/registries.ts";
import { registryHostFiles, withMirrors } from "../../../agent/runtime/containerd/registry-hosts.ts";
import { ConfigError } from "../../../plugins/errors.ts";
import { parseCommandLine } from "../../../plugins/cli.ts";
import { applyRegistryFlags } from "../../../plugins/registry-flags.ts";
import { loadConfiguration, moduleRefs } from "../../../plugins/settings.ts";

const dir = mkdtempSync(join(tmpdir(), "k3ts-registries-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function problem(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("no error thrown");
}

describe("registries.yaml checks", () => {
  it("reads k3s's format, empty sections included", () => {
    const registries = parseRegistries({
      mirrors: { "docker.io": { endpoint: ["http://127.0.0.1:5000", "http://127.0.0.1:5000"], rewrite: { "^library/(.*)": "mirrored/$1" } }, "*": null },
      configs: { "127.0.0.1:5000": { auth: { username: "u", password: "p" }, tls: { insecure_skip_verify: true } }, "quay.io": null },
    }, "r.yaml");
    expect(registries.mirrors["docker.io"]).toEqual({ endpoint: ["http://127.0.0.1:5000"], rewrite: { "^library/(.*)": "mirrored/$1" } });
    expect(registries.mirrors["*"]).toEqual({ endpoint: [], rewrite: {} });
    expect(registries.configs["127.0.0.1:5000"]).toEqual({ auth: { username: "u", password: "p" }, tls: { insecure_skip_verify: true } });
    expect(parseRegistries(null, "empty.yaml")).toEqual({ mirrors: {}, configs: {} });
  });

  it("names the file, the key path, what was expected and what was found", () => {
    const bad = file("bad.yaml", [
      "mirrors:",
      "  docker.io:",
      "    endpoint: [\"ftp://mirror.example\"]",
      "  \"https://quay.io\":",
      "    endpoint: []",
      "configs:",
      "  \"127.0.0.1:5000\":",
      "    tls:",
      "      insecure_skip_verify: \"yes\"",
      "    authh: {}",
      "",
    ].join("\n"));
    const message = problem(() => loadRegistries(bad, { required: true }));
    expect(message).toContain(`${bad}: not a valid registries file`);
    expect(message).toContain('mirrors.docker.io.endpoint[0]: expected an http:// or https:// URL, found string "ftp://mirror.example"');
    expect(message).toContain('mirrors.https://quay.io: expected a registry host[:port] (or *), without scheme or path, found string "https://quay.io"');
    expect(message).toContain('configs.127.0.0.1:5000.tls.insecure_skip_verify: expected boolean, found string "yes"');
    expect(message).toMatch(/configs\.127\.0\.0\.1:5000\.authh: unknown key/);
    expect(problem(() => parseRegistries({ mirrors: { "docker.io": { rewrite: { "(": "x" } } } }, "r.yaml"))).toContain("mirrors.docker.io.rewrite.(: expected a regular expression");
  });

  it("a named file must exist; the default one may be absent; bad YAML says so", () => {
    expect(problem(() => loadRegistries(join(dir, "nope.yaml"), { required: true }))).toContain(`${join(dir, "nope.yaml")}: private registry file not found`);
    expect(loadRegistries(join(dir, "nope.yaml"), { required: false })).toBeUndefined();
    expect(problem(() => loadRegistries(file("broken.yaml", "mirrors: [\n"), { required: false }))).toMatch(/broken\.yaml: not valid YAML/);
    expect(problem(() => readRegistries({ privateRegistry: join(dir, "gone.yaml") }))).toContain("gone.yaml: private registry file not found");
  });
});

describe("registries.yaml as containerd hosts.toml", () => {
  it("mirrors first, then the registry's own endpoint; http endpoints plain; TLS per endpoint host; credentials apart", () => {
    const registries = parseRegistries({
      mirrors: { "docker.io": { endpoint: ["https://mirror.internal:8443", "http://127.0.0.1:5000"] } },
      configs: {
        "mirror.internal:8443": { tls: { ca_file: "/etc/ca.pem", cert_file: "/etc/c.pem", key_file: "/etc/k.pem" }, auth: { auth: "dTpw" } },
        "secure.example:5000": { tls: { insecure_skip_verify: true } },
      },
    }, "r.yaml");
    const out = registryHostFiles(registries);
    expect(out.files["docker.io"]).toBe([
      "# Written by k3ts from registries.yaml (docker.io) at every agent start; edits are overwritten.",
      'server = "https://registry-1.docker.io"',
      'capabilities = ["push"]',
      "",
      '[host."https://mirror.internal:8443"]',
      '  capabilities = ["pull", "resolve"]',
      '  ca = "/etc/ca.pem"',
      '  client = [["/etc/c.pem", "/etc/k.pem"]]',
      "",
      '[host."http://127.0.0.1:5000"]',
      '  capabilities = ["pull", "resolve"]',
      "",
      '[host."https://registry-1.docker.io"]',
      '  capabilities = ["pull", "resolve"]',
      "",
    ].join("\n"));
    // A registry with TLS settings and no mirror gets a file for its own endpoint.
    expect(out.files["secure.example:5000"]).toContain('[host."https://secure.example:5000"]\n  capabilities = ["pull", "resolve"]\n  skip_verify = true');
    expect(out.auths).toEqual({ "mirror.internal:8443": { auth: "dTpw" } });
  });

  it("--disable-default-registry-endpoint leaves the registry's own endpoint out of pulls; * is _default", () => {
    const registries = parseRegistries({ mirrors: { "registry.example": { endpoint: ["http://127.0.0.1:5000"] }, "*": { endpoint: ["http://127.0.0.1:5001"] } } }, "r.yaml");
    const out = registryHostFiles(registries, { disableDefaultEndpoint: true });
    expect(out.files["registry.example"]).not.toContain('[host."https://registry.example"]');
    expect(out.files["registry.example"]).toContain('[host."http://127.0.0.1:5000"]');
    expect(out.files._default).toContain('server = "http://127.0.0.1:5001"\ncapabilities = ["push"]');
    // Without the flag, * keeps the pulled image's own registry as containerd's implicit last host.
    expect(registryHostFiles(registries).files._default).not.toContain("server =");
  });

  it("reports rewrites as not applied, and folds the module's mirrors option in (the file wins)", () => {
    const registries = parseRegistries({ mirrors: { "docker.io": { endpoint: ["http://127.0.0.1:5000"], rewrite: { "^(.*)": "m/$1" } } } }, "r.yaml");
    expect(registryHostFiles(registries).warnings).toEqual([expect.stringContaining("mirrors.docker.io.rewrite is not applied")]);
    const merged = withMirrors(registries, { "docker.io": ["http://127.0.0.1:1"], "quay.io": ["http://127.0.0.1:2"] });
    expect(merged.mirrors["docker.io"]!.endpoint).toEqual(["http://127.0.0.1:5000"]);
    expect(merged.mirrors["quay.io"]!.endpoint).toEqual(["http://127.0.0.1:2"]);
  });
});

describe("--private-registry and --disable-default-registry-endpoint", () => {
  const defaults = { isRoot: true, homeDir: "/root" };
  const configure = (args: string[], env: Record<string, string> = {}) =>
    loadConfiguration({ command: "agent", commandLine: parseCommandLine("agent", ["--config", file("empty.yaml", ""), ...args]).values, env, defaults });

  it("reach the containerd module from the command line, the environment and the manifest", () => {
    const fromFlags = configure(["--private-registry", "reg.yaml", "--disable-default-registry-endpoint"]);
    const modules = moduleRefs(fromFlags.settings, fromFlags.manifest);
    modules.runtime ??= { use: "containerd", origin: { file: "default", path: "modules.runtime" } };
    applyRegistryFlags(modules, fromFlags.settings, "/work");
    expect(modules.runtime.with).toEqual({ privateRegistry: "/work/reg.yaml", disableDefaultRegistryEndpoint: true });

    const fromEnv = configure([], { K3TS_PRIVATE_REGISTRY: "/etc/other.yaml" });
    expect(fromEnv.settings.values["private-registry"]).toBe("/etc/other.yaml");

    const manifest = file("manifest.yaml", "private-registry: /srv/reg.yaml\nmodules:\n  runtime: {use: containerd, with: {snapshotter: native}}\n");
    const fromManifest = loadConfiguration({ command: "agent", commandLine: parseCommandLine("agent", ["--config", manifest]).values, env: {}, defaults });
    const refs = moduleRefs(fromManifest.settings, fromManifest.manifest);
    applyRegistryFlags(refs, fromManifest.settings, "/work");
    expect(refs.runtime?.with).toEqual({ privateRegistry: "/srv/reg.yaml", snapshotter: "native" });
  });

  it("leave other runtimes alone", () => {
    const { settings, manifest } = configure(["--private-registry", "/etc/reg.yaml", "--runtime", "fake"]);
    const modules = moduleRefs(settings, manifest);
    applyRegistryFlags(modules, settings, "/work");
    expect(modules.runtime).toMatchObject({ use: "fake" });
    expect(modules.runtime?.with).toBeUndefined();
  });
});
