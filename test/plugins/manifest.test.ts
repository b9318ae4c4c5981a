import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../plugins/errors.ts";
import { loadManifest } from "../../plugins/manifest.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "k3ts-manifest-"));
});

function write(name: string, text: string): string {
  const path = join(dir, name);
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
  return path;
}

function loadError(file: string): string {
  try {
    loadManifest(file, { explicit: true });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected the manifest to be rejected");
}

describe("manifest", () => {
  it("reads flag keys, modules and plugins", () => {
    const file = write("config.yaml", [
      "cluster-cidr: 10.50.0.0/16",
      "https-listen-port: 7443",
      "write-kubeconfig-mode: 644",
      "tls-san: one.example",
      "modules:",
      "  datastore: {use: sqlite, with: {path: /tmp/x.db}}",
      "plugins:",
      "  - {use: ./a.ts}",
      "  - use: k3ts-plugin-hello",
      "    with: {greeting: hi}",
    ].join("\n"));
    const manifest = loadManifest(file, { explicit: true });
    expect(manifest.flags).toEqual({
      "cluster-cidr": "10.50.0.0/16",
      "https-listen-port": 7443,
      "write-kubeconfig-mode": "644",
      "tls-san": ["one.example"],
    });
    expect(manifest.modules.datastore).toEqual({ use: "sqlite", with: { path: "/tmp/x.db" }, origin: { file, path: "modules.datastore" } });
    expect(manifest.plugins.map((p) => [p.use, p.with, p.origin.path])).toEqual([
      ["./a.ts", undefined, "plugins[0]"],
      ["k3ts-plugin-hello", { greeting: "hi" }, "plugins[1]"],
    ]);
  });

  it("rejects an unknown key and suggests the nearest known one", () => {
    const file = write("config.yaml", "cluster-cdir: 10.42.0.0/16\n");
    const message = loadError(file);
    expect(message).toContain(file);
    expect(message).toContain("cluster-cdir: unknown key (did you mean `cluster-cidr`?)");
  });

  it("suggests within nested mappings too", () => {
    const file = write("config.yaml", "modules:\n  datastor: {use: sqlite}\nplugins:\n  - {uses: ./x.ts}\n");
    const message = loadError(file);
    expect(message).toContain("modules.datastor: unknown key (did you mean `datastore`?)");
    expect(message).toContain("plugins[0].uses: unknown key (did you mean `use`?)");
  });

  it("names the key path, what was expected and what was found for a wrong type", () => {
    const file = write("config.yaml", "https-listen-port: lots\nplugins:\n  - {use: ./a.ts}\n  - {use: ./b.ts, with: 80}\n");
    const message = loadError(file);
    expect(message).toContain(`${file}: invalid manifest`);
    expect(message).toContain('https-listen-port: expected a number, found string "lots"');
    expect(message).toContain("plugins[1].with: expected Object, found number 80");
  });

  it("rejects a bad CIDR, naming the key and the value", () => {
    const message = loadError(write("config.yaml", "service-cidr: 10.43.0.0/40\n"));
    expect(message).toContain('service-cidr: expected a CIDR like 10.42.0.0/16');
    expect(message).toContain('found string "10.43.0.0/40"');
  });

  it("rejects bad port ranges and enum values", () => {
    const message = loadError(write("config.yaml", "service-node-port-range: 32767-30000\nlog-level: loud\n"));
    expect(message).toContain("service-node-port-range: expected a port range");
    expect(message).toContain('log-level: expected one of debug, info, warn, error, found string "loud"');
  });

  it("does not let the manifest set its own path, and says so", () => {
    expect(loadError(write("config.yaml", "config: /elsewhere.yaml\n"))).toContain("config: cannot be set in the manifest (give it as --config or $K3TS_CONFIG_FILE)");
  });

  it("names the file of a YAML syntax error", () => {
    const file = write("config.yaml", "cluster-cidr: [unclosed\n");
    expect(loadError(file)).toContain(`${file}: not valid YAML`);
  });

  it("rejects a file that is not a mapping", () => {
    expect(loadError(write("config.yaml", "- a\n- b\n"))).toContain("expected a mapping of keys");
  });

  it("treats a missing default file as empty but a missing explicit one as an error", () => {
    const missing = join(dir, "absent.yaml");
    expect(loadManifest(missing, { explicit: false }).files).toEqual([]);
    expect(() => loadManifest(missing, { explicit: true, explicitFrom: "--config" })).toThrow(`manifest file ${missing} does not exist (given by --config)`);
  });

  it("applies drop-ins in name order: keys replace, key+ appends", () => {
    const file = write("config.yaml", "node-label: [a=1]\ncluster-domain: one.local\nplugins:\n  - {use: ./p1.ts}\n");
    write("config.yaml.d/20-second.yaml", "node-label+: [c=3]\ncluster-domain: three.local\n");
    write("config.yaml.d/10-first.yaml", "node-label+: b=2\ncluster-domain: two.local\nplugins+:\n  - {use: ./p2.ts}\n");
    write("config.yaml.d/30-replace.yml", "tls-san: x\ntls-san+: [y]\n");
    write("config.yaml.d/README.txt", "not yaml, not read");
    const manifest = loadManifest(file, { explicit: true });
    expect(manifest.files.map((f) => f.slice(dir.length + 1))).toEqual([
      "config.yaml",
      "config.yaml.d/10-first.yaml",
      "config.yaml.d/20-second.yaml",
      "config.yaml.d/30-replace.yml",
    ]);
    expect(manifest.flags["node-label"]).toEqual(["a=1", "b=2", "c=3"]);
    expect(manifest.flags["cluster-domain"]).toBe("three.local");
    expect(manifest.flagOrigins["cluster-domain"]).toBe(join(dir, "config.yaml.d/20-second.yaml"));
    expect(manifest.flags["tls-san"]).toEqual(["x", "y"]);
    expect(manifest.plugins.map((p) => [p.use, p.origin.file.slice(dir.length + 1), p.origin.path])).toEqual([
      ["./p1.ts", "config.yaml", "plugins[0]"],
      ["./p2.ts", "config.yaml.d/10-first.yaml", "plugins+[0]"],
    ]);
  });

  it("names the drop-in that holds a bad value", () => {
    const file = write("config.yaml", "cluster-cidr: 10.42.0.0/16\n");
    write("config.yaml.d/50-bad.yaml", "cluster-dns: not-an-ip\n");
    const message = loadError(file);
    expect(message).toContain(join(dir, "config.yaml.d/50-bad.yaml"));
    expect(message).toContain('cluster-dns: expected an IP address');
  });

  it("allows + only on repeatable keys", () => {
    expect(loadError(write("config.yaml", "cluster-cidr+: 10.42.0.0/16\n"))).toContain("cluster-cidr+: only repeatable keys can be appended to with +");
  });
});
