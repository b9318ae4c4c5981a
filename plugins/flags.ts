/**
 * Every k3ts flag, in one table that the command-line parser, the environment reader, the
 * manifest validator and the generated --help all read. Names follow k3s.
 */
import * as check from "./flag-values.ts";
import type { ValueCheck } from "./flag-values.ts";

export type Command = "server" | "agent";

/** A flag's value once parsed: `list` flags are repeatable and hold every value given. */
export type FlagValue = string | boolean | number | string[];

/** What defaults may depend on. */
export interface DefaultsContext {
  isRoot: boolean;
  homeDir: string;
}

interface FlagCommon {
  /** The long name, without `--`; also the manifest key. */
  name: string;
  /** A one-letter alias, without `-`. */
  short?: string;
  /** Environment variables that set it, first one wins. */
  env?: readonly string[];
  help: string;
  commands: readonly Command[];
  /** False for flags the manifest cannot set (`config`: the manifest's own path). */
  inManifest?: boolean;
  /** The value's name in --help (`--token TOKEN`). */
  placeholder?: string;
  /** What --help shows as the default when it is computed (`/var/lib/k3ts as root`). */
  defaultHelp?: string;
}

export interface StringFlag extends FlagCommon {
  type: "string";
  default?: string | ((context: DefaultsContext) => string);
  choices?: readonly string[];
  check?: ValueCheck;
}

export interface BooleanFlag extends FlagCommon {
  type: "boolean";
  default?: boolean;
}

export interface NumberFlag extends FlagCommon {
  type: "number";
  default?: number;
  /** Returns what was expected, or undefined for a good value. */
  check?: (value: number) => string | undefined;
}

export interface ListFlag extends FlagCommon {
  type: "list";
  /** Checks each item. */
  check?: ValueCheck;
}

export type Flag = StringFlag | BooleanFlag | NumberFlag | ListFlag;

const both: readonly Command[] = ["server", "agent"];
const server: readonly Command[] = ["server"];
const agentOnly: readonly Command[] = ["agent"];

function underHome(context: DefaultsContext, rootPath: string, userPath: string): string {
  return context.isRoot ? rootPath : `${context.homeDir}/${userPath}`;
}

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export const LOG_FORMATS = ["text", "json"] as const;
export const RUNTIMES = ["fake", "containerd"] as const;

export const FLAGS: readonly Flag[] = [
  {
    name: "config", short: "c", type: "string", commands: both, inManifest: false,
    env: ["K3TS_CONFIG_FILE"], placeholder: "FILE",
    default: (c) => underHome(c, "/etc/k3ts/config.yaml", ".k3ts/config.yaml"),
    defaultHelp: "/etc/k3ts/config.yaml as root, ~/.k3ts/config.yaml otherwise",
    help: "Load the manifest (YAML config) from FILE; drop-ins in FILE.d/*.yaml are applied after it",
  },
  {
    name: "data-dir", short: "d", type: "string", commands: both, env: ["K3TS_DATA_DIR"], placeholder: "DIR",
    default: (c) => underHome(c, "/var/lib/k3ts", ".k3ts"),
    defaultHelp: "/var/lib/k3ts as root, ~/.k3ts otherwise",
    help: "Directory for state: the datastore, certificates, plugins' data",
  },
  {
    name: "log-level", type: "string", commands: both, env: ["K3TS_LOG_LEVEL"], choices: LOG_LEVELS,
    default: "info", help: "Least severe log level written",
  },
  {
    name: "log-format", type: "string", commands: both, env: ["K3TS_LOG_FORMAT"], choices: LOG_FORMATS,
    help: "Log line format", defaultHelp: "text on a terminal, json otherwise",
  },
  {
    name: "token", short: "t", type: "string", commands: both, env: ["K3TS_TOKEN"], placeholder: "TOKEN",
    help: "Shared secret that agents (and other servers) join with",
  },
  {
    name: "server", short: "s", type: "string", commands: both, env: ["K3TS_URL"], placeholder: "URL",
    check: check.httpsUrl, help: "Server to join (agent: required; server: join an existing cluster)",
  },
  {
    name: "node-name", type: "string", commands: both, env: ["K3TS_NODE_NAME"], placeholder: "NAME",
    check: check.nodeName, help: "This node's name", defaultHelp: "the host name",
  },
  {
    name: "node-ip", type: "string", commands: both, placeholder: "IP", check: check.ipList,
    help: "IP address(es) to advertise for this node",
  },
  {
    name: "kubelet-port", type: "number", commands: agentOnly, default: 10250, placeholder: "PORT",
    check: (n) => (check.isPort(n) ? undefined : "expected a port number from 1 to 65535"),
    help: "Port of the kubelet's HTTPS endpoint (logs, exec, attach, stats for the API server)",
  },
  {
    name: "node-label", type: "list", commands: both, placeholder: "KEY=VALUE", check: check.nodeLabel,
    help: "Label to register this node with (repeatable)",
  },
  {
    name: "node-taint", type: "list", commands: both, placeholder: "KEY=VALUE:EFFECT", check: check.nodeTaint,
    help: "Taint to register this node with (repeatable)",
  },
  {
    name: "runtime", type: "string", commands: both, choices: RUNTIMES,
    help: "Container runtime module (shortcut for modules.runtime); pods are only simulated with fake",
  },
  {
    name: "container-runtime-endpoint", type: "string", commands: both, placeholder: "SOCKET",
    help: "Use this existing containerd (CRI socket) instead of starting one (implies --runtime containerd)",
  },
  {
    name: "private-registry", type: "string", commands: both, env: ["K3TS_PRIVATE_REGISTRY"], placeholder: "FILE",
    defaultHelp: "/etc/k3ts/registries.yaml as root, when it exists",
    help: "Private registry configuration (k3s's registries.yaml: mirrors, configs) for the containerd runtime",
  },
  {
    name: "disable-default-registry-endpoint", type: "boolean", commands: both,
    help: "With registries.yaml mirrors: never fall back to the mirrored registry's own endpoint",
  },
  {
    name: "simulated-nodes", type: "number", commands: both, placeholder: "N",
    check: (n) => (Number.isInteger(n) && n >= 0 ? undefined : "expected a whole number, 0 or more"),
    help: "With --runtime fake: how many simulated nodes to register",
  },
  {
    name: "https-listen-port", type: "number", commands: server, default: 6443, placeholder: "PORT",
    check: (n) => (check.isPort(n) ? undefined : "expected a port number from 1 to 65535"),
    help: "HTTPS port of the API server",
  },
  {
    name: "bind-address", type: "string", commands: server, default: "0.0.0.0", placeholder: "IP",
    check: check.ipAddress, help: "Address the API server listens on",
  },
  {
    name: "tls-san", type: "list", commands: server, placeholder: "NAME",
    help: "Extra host name or IP in the server certificate (repeatable)",
  },
  {
    name: "write-kubeconfig", short: "o", type: "string", commands: server, placeholder: "FILE",
    help: "Write the admin kubeconfig to FILE",
  },
  {
    name: "write-kubeconfig-mode", type: "string", commands: server, default: "600", placeholder: "MODE",
    check: check.fileMode, help: "File mode of the written kubeconfig",
  },
  {
    name: "datastore-endpoint", type: "string", commands: server, env: ["K3TS_DATASTORE_ENDPOINT"],
    placeholder: "URL", check: check.datastoreEndpoint,
    defaultHelp: "sqlite:// (a file under the data dir)",
    help: "Datastore: sqlite://PATH or postgres://user:password@host:port/db (shortcut for modules.datastore)",
  },
  {
    name: "datastore-connect-retry", type: "boolean", commands: server, default: true,
    help: "Keep retrying the datastore connection at startup (postgres)",
  },
  {
    name: "cluster-cidr", type: "string", commands: server, default: "10.42.0.0/16", placeholder: "CIDR",
    check: check.cidrList, help: "Network of pod IPs",
  },
  {
    name: "service-cidr", type: "string", commands: server, default: "10.43.0.0/16", placeholder: "CIDR",
    check: check.cidrList, help: "Network of Service cluster IPs",
  },
  {
    name: "cluster-dns", type: "string", commands: server, default: "10.43.0.10", placeholder: "IP",
    check: check.ipList, help: "Cluster IP of the DNS Service (inside --service-cidr)",
  },
  {
    name: "cluster-domain", type: "string", commands: server, default: "cluster.local", placeholder: "DOMAIN",
    help: "Cluster domain",
  },
  {
    name: "service-node-port-range", type: "string", commands: server, default: "30000-32767",
    placeholder: "RANGE", check: check.portRange, help: "Port range of NodePort Services",
  },
  {
    name: "disable-agent", type: "boolean", commands: server, default: false,
    help: "Run the control plane only, without this node's agent",
  },
  {
    name: "disable", type: "list", commands: server, placeholder: "NAME",
    help: "Do not start this bundled plugin (repeatable)",
  },
];

const byName = new Map(FLAGS.map((flag) => [flag.name, flag]));

export function findFlag(name: string): Flag | undefined {
  return byName.get(name);
}

export function flagsFor(command: Command): Flag[] {
  return FLAGS.filter((flag) => flag.commands.includes(command));
}

export function defaultValue(flag: Flag, context: DefaultsContext): FlagValue | undefined {
  if (flag.type === "list") return [];
  const value = flag.default;
  return typeof value === "function" ? value(context) : value;
}

/**
 * Checks a value of the flag's type against its rule; returns what was expected, or undefined
 * when it is good.
 */
export function checkFlagValue(flag: Flag, value: FlagValue): string | undefined {
  switch (flag.type) {
    case "string":
      if (flag.choices && !flag.choices.includes(value as string)) {
        return `expected one of ${flag.choices.join(", ")}`;
      }
      return flag.check?.(value as string);
    case "number":
      return flag.check?.(value as number);
    case "list":
      for (const item of value as string[]) {
        const problem = flag.check?.(item);
        if (problem) return `${JSON.stringify(item)}: ${problem}`;
      }
      return undefined;
    case "boolean":
      return undefined;
  }
}

/**
 * Reads a flag's value from text (the command line or an environment variable): numbers must
 * be whole, booleans true/false (also 1/0), list items are comma-separated in the environment.
 * Returns the value, or what was expected.
 */
export function parseFlagText(flag: Flag, text: string, listSeparator?: string): { value: FlagValue } | { problem: string } {
  switch (flag.type) {
    case "string":
      return { value: text };
    case "number": {
      const n = Number(text);
      return text.trim() !== "" && Number.isFinite(n) ? { value: n } : { problem: "expected a number" };
    }
    case "boolean":
      if (/^(true|1)$/i.test(text)) return { value: true };
      if (/^(false|0)$/i.test(text)) return { value: false };
      return { problem: "expected true or false" };
    case "list":
      return { value: listSeparator ? text.split(listSeparator).map((s) => s.trim()).filter(Boolean) : [text] };
  }
}
