/**
 * The command line of `k3ts server` and `k3ts agent`: parsing (node:util parseArgs, which Node
 * and Deno both have) and the --help text, both generated from the flags table.
 */
import { ConfigError } from "./errors.ts";
import { checkFlagValue, findFlag, flagsFor, parseFlagText } from "./flags.ts";
import type { Command, Flag, FlagValue } from "./flags.ts";
import { didYouMean } from "./suggest.ts";

// Not `import { parseArgs } from "node:util"`: that ES module facade reads all of node:util's
// exports, whose lazy getters load modules (diff, colors...) that stay in an idle process.
const { parseArgs } = process.getBuiltinModule("node:util");

export interface ParsedCommandLine {
  /** Only the flags given on the command line. */
  values: Record<string, FlagValue>;
  help: boolean;
}

/**
 * Parses the arguments after the command. Unknown flags, missing values, bad values and stray
 * arguments are ConfigErrors that name the flag and the value.
 */
export function parseCommandLine(command: Command, args: readonly string[]): ParsedCommandLine {
  const flags = flagsFor(command);
  // Every flag is declared a string so that parseArgs hands over booleans' `=false` and
  // numbers as text; the flags table decides what the text means.
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    help: { type: "boolean", short: "h" },
  };
  for (const flag of flags) {
    options[flag.name] = { type: flag.type === "boolean" ? "boolean" : "string", ...(flag.short ? { short: flag.short } : {}) };
  }
  const { tokens } = parseArgs({ args: [...args], options, strict: false, allowPositionals: true, tokens: true });

  const values: Record<string, FlagValue> = {};
  let help = false;
  for (const token of tokens) {
    if (token.kind === "positional") {
      throw new ConfigError(`unexpected argument ${JSON.stringify(token.value)} (flags start with --; see k3ts ${command} --help)`);
    }
    if (token.kind === "option-terminator") continue;
    if (token.name === "help") {
      help = true;
      continue;
    }
    const flag = flags.find((f) => f.name === token.name);
    if (!flag) throw unknownFlag(command, token.rawName);
    const text = flag.type === "boolean" ? (token.inlineValue ? token.value : "true") : token.value;
    if (text === undefined) throw new ConfigError(`${token.rawName} needs a value${flag.placeholder ? ` (${token.rawName} ${flag.placeholder})` : ""}`);
    values[flag.name] = readValue(flag, `--${flag.name}`, text, values[flag.name]);
  }
  return { values, help };
}

/** Reads one occurrence of a flag; list flags collect every occurrence. */
function readValue(flag: Flag, where: string, text: string, previous: FlagValue | undefined): FlagValue {
  const parsed = parseFlagText(flag, text);
  if ("problem" in parsed) throw new ConfigError(`${where}: bad value ${JSON.stringify(text)}: ${parsed.problem}`);
  const problem = checkFlagValue(flag, parsed.value);
  if (problem) throw new ConfigError(`${where}: bad value ${JSON.stringify(text)}: ${problem}`);
  if (flag.type === "list") return [...((previous as string[] | undefined) ?? []), ...(parsed.value as string[])];
  return parsed.value;
}

function unknownFlag(command: Command, rawName: string): ConfigError {
  const name = rawName.replace(/^-+/, "");
  const known = flagsFor(command).map((f) => `--${f.name}`);
  let hint = didYouMean(`--${name}`, [...known, "--help"]);
  // A flag of the other command is a likelier mistake than a typo: say so.
  const other = findFlag(name);
  if (other && !other.commands.includes(command)) hint = ` (${rawName} is a flag of k3ts ${other.commands.join(", ")})`;
  return new ConfigError(`unknown flag ${rawName}${hint}; see k3ts ${command} --help`);
}

const COMMAND_SUMMARIES: Record<Command, string> = {
  server: "Run the control plane (and, unless --disable-agent, this node's agent)",
  agent: "Run a node that joins a server (--server, --token)",
};

export function commandHelp(command: Command): string {
  const lines = [`k3ts ${command} — ${COMMAND_SUMMARIES[command]}`, "", `Usage: k3ts ${command} [flags]`, "", "Flags:"];
  const rows = flagsFor(command).map((flag) => [flagSynopsis(flag), flagDescription(flag)] as const);
  rows.push(["-h, --help", "Show this help"]);
  const width = Math.max(...rows.map(([synopsis]) => synopsis.length)) + 2;
  for (const [synopsis, description] of rows) lines.push(`  ${synopsis.padEnd(width)}${description}`);
  lines.push("", "Flags may also be set in the manifest (--config), by their names without --; the command line wins,");
  lines.push("then the environment variables shown, then the manifest, then the defaults.");
  return lines.join("\n");
}

export function topLevelHelp(): string {
  return [
    "k3ts — a lightweight Kubernetes distribution in TypeScript",
    "",
    "Usage: k3ts <command> [flags]",
    "",
    "Commands:",
    `  server    ${COMMAND_SUMMARIES.server}`,
    `  agent     ${COMMAND_SUMMARIES.agent}`,
    "  token     Create, list and delete agent join tokens that expire",
    "  killall   Stop this node's k3ts, pods, containerd and pod network (as root)",
    "  version   Print the k3ts version and the runtime's",
    "",
    "Run k3ts <command> --help for a command's flags.",
  ].join("\n");
}

function flagSynopsis(flag: Flag): string {
  const names = `${flag.short ? `-${flag.short}, ` : "    "}--${flag.name}`;
  // A boolean that defaults to true is turned off with =false (as in k3s).
  if (flag.type === "boolean") return flag.default === true ? `${names}[=false]` : names;
  const placeholder = flag.placeholder ?? (flag.type === "string" && flag.choices ? flag.choices.join("|") : "VALUE");
  return `${names} ${placeholder}`;
}

function flagDescription(flag: Flag): string {
  let text = flag.help;
  const shown = flag.defaultHelp ?? (flag.type !== "list" && typeof flag.default !== "function" && flag.default !== undefined ? String(flag.default) : undefined);
  if (shown !== undefined) text += ` (default: ${shown})`;
  if (flag.type === "string" && flag.choices && flag.placeholder) text += ` [${flag.choices.join(", ")}]`;
  if (flag.env?.length) text += ` [$${flag.env.join(", $")}]`;
  return text;
}
