import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../plugins/errors.ts";
import { parseCommandLine } from "../../plugins/cli.ts";
import { loadConfiguration, moduleRefs } from "../../plugins/settings.ts";

let dir: string;
let manifestFile: string;
const defaults = { isRoot: false, homeDir: "/home/someone" };
const touched = ["K3TS_DATA_DIR", "K3TS_TOKEN", "K3TS_CONFIG_FILE", "K3TS_DATASTORE_ENDPOINT", "K3TS_NODE_NAME"];
const saved = new Map(touched.map((name) => [name, process.env[name]]));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "k3ts-settings-"));
  manifestFile = join(dir, "config.yaml");
  writeFileSync(manifestFile, "data-dir: /from/file\ntoken: file-token\nnode-name: file-node\ncluster-domain: file.local\n");
  for (const name of touched) delete process.env[name];
});

afterEach(() => {
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

function configure(args: string[]) {
  return loadConfiguration({ command: "server", commandLine: parseCommandLine("server", args).values, env: process.env, defaults });
}

describe("settings precedence: command line, environment, manifest, default", () => {
  it("takes each flag from the highest source that sets it", () => {
    process.env.K3TS_CONFIG_FILE = manifestFile;
    process.env.K3TS_DATA_DIR = "/from/env";
    process.env.K3TS_TOKEN = "env-token";
    const { settings } = configure(["--token", "flag-token"]);
    expect(settings.values.token).toBe("flag-token");
    expect(settings.sources.token).toBe("command line");
    expect(settings.values["data-dir"]).toBe("/from/env");
    expect(settings.from["data-dir"]).toBe("$K3TS_DATA_DIR");
    expect(settings.values["node-name"]).toBe("file-node");
    expect(settings.from["node-name"]).toBe(manifestFile);
    expect(settings.values["cluster-cidr"]).toBe("10.42.0.0/16");
    expect(settings.sources["cluster-cidr"]).toBe("default");
  });

  it("uses defaults under the home directory when not root, and the root paths as root", () => {
    const user = loadConfiguration({ command: "server", commandLine: {}, env: {}, defaults: { isRoot: false, homeDir: dir } });
    expect(user.settings.values["data-dir"]).toBe(`${dir}/.k3ts`);
    expect(user.manifest.file).toBe(`${dir}/.k3ts/config.yaml`);
    const root = loadConfiguration({ command: "server", commandLine: { config: manifestFile }, env: {}, defaults: { isRoot: true, homeDir: "/root" } });
    expect(root.settings.values["https-listen-port"]).toBe(6443);
    expect(root.settings.values["data-dir"]).toBe("/from/file");
  });

  it("rejects a bad environment value, naming the variable", () => {
    expect(() => loadConfiguration({ command: "server", commandLine: {}, env: { K3TS_NODE_NAME: "Not_A_Name" }, defaults })).toThrow(
      /\$K3TS_NODE_NAME: bad value "Not_A_Name": expected a DNS subdomain/,
    );
  });

  it("errors on an explicit manifest that does not exist, naming who named it", () => {
    expect(() => configure(["--config", join(dir, "nope.yaml")])).toThrow(/nope\.yaml does not exist \(given by --config\)/);
    process.env.K3TS_CONFIG_FILE = join(dir, "nope.yaml");
    expect(() => configure([])).toThrow(/given by \$K3TS_CONFIG_FILE/);
  });
});

describe("command line", () => {
  it("parses repeatable flags, short names and boolean =false", () => {
    const { values } = parseCommandLine("server", ["-t", "x", "--tls-san", "a", "--tls-san=b", "--datastore-connect-retry=false", "--disable-agent"]);
    expect(values).toEqual({ token: "x", "tls-san": ["a", "b"], "datastore-connect-retry": false, "disable-agent": true });
  });

  it("rejects unknown flags with a suggestion, and bad values naming flag and value", () => {
    expect(() => parseCommandLine("server", ["--https-port", "1"])).toThrow(/unknown flag --https-port \(did you mean `--https-listen-port`\?\)/);
    expect(() => parseCommandLine("server", ["--https-listen-port", "70000"])).toThrow('--https-listen-port: bad value "70000": expected a port number from 1 to 65535');
    expect(() => parseCommandLine("server", ["--token"])).toThrow("--token needs a value");
    expect(() => parseCommandLine("server", ["extra"])).toThrow('unexpected argument "extra"');
    expect(() => parseCommandLine("agent", ["--cluster-cidr", "10.0.0.0/8"])).toThrow(/--cluster-cidr is a flag of k3ts server/);
  });
});

describe("module shortcuts", () => {
  it("maps --datastore-endpoint and --runtime onto modules, over the manifest's", () => {
    writeFileSync(manifestFile, "modules:\n  datastore: {use: ./my-store.ts}\n");
    const sqlite = configure(["-c", manifestFile, "--datastore-endpoint", "sqlite:///tmp/state.db", "--runtime", "fake"]);
    const modules = moduleRefs(sqlite.settings, sqlite.manifest);
    expect(modules.datastore).toMatchObject({ use: "sqlite", with: { path: "/tmp/state.db" } });
    expect(modules.runtime).toMatchObject({ use: "fake" });
    const pg = configure(["-c", manifestFile, "--datastore-endpoint", "postgres://k3ts@db/k3ts", "--datastore-connect-retry=false"]);
    expect(moduleRefs(pg.settings, pg.manifest).datastore).toMatchObject({ use: "postgres", with: { url: "postgres://k3ts@db/k3ts", connectRetry: false } });
    const none = configure(["-c", manifestFile]);
    expect(moduleRefs(none.settings, none.manifest).datastore).toMatchObject({ use: "./my-store.ts" });
  });

  it("rejects both the shortcut and the module in one file", () => {
    writeFileSync(manifestFile, "datastore-endpoint: sqlite://\nmodules:\n  datastore: {use: sqlite}\n");
    const { settings, manifest } = configure(["-c", manifestFile]);
    expect(() => moduleRefs(settings, manifest)).toThrow(ConfigError);
    expect(() => moduleRefs(settings, manifest)).toThrow("both datastore-endpoint and modules.datastore are set");
  });
});
