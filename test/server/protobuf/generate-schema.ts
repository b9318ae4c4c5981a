/**
 * Writes server/api/protobuf/schema/<package>.ts from the protobuf descriptors that Go programs
 * built on k8s.io/api carry: gogo-generated code registers each generated.proto as a gzipped
 * FileDescriptorProto (field names, numbers, types and labels; no comments), so a kubectl binary
 * holds the very facts upstream's generated.proto files declare. We read those facts with our own
 * wire reader and write our own compact tables; nothing of upstream's code is copied.
 *
 *   node test/server/protobuf/generate-schema.ts [binary ...]
 *
 * The descriptors cannot say what Kubernetes' JSON needs beyond the wire: whether a Go field is a
 * pointer (its false, 0 or "" is a value) or a value with omitempty (its zero is "unset"), and
 * whether an embedded struct is inlined in JSON. Go's reflection data says so: each struct field
 * record points at its name-and-tag (json:"..." protobuf:"...") and at its type. goFieldFacts
 * reads those records and matches each struct to a message by its set of protobuf tags.
 *
 * Each package is taken from the first binary that has it (newest kubectl first: fields are only
 * ever added). apiextensions is not in kubectl; another Go binary that vendors it can supply it,
 * and fields newer than that binary are added by hand in EXTRA_FIELDS below, read from
 * kubernetes/apiextensions-apiserver's generated.proto.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { inflateRawSync, constants } from "node:zlib";
import { WireReader } from "../../../server/api/protobuf/wire.ts";
import type { FieldSpec } from "../../../server/api/protobuf/schema/types.ts";

const DEFAULT_BINARIES = [
  "/usr/lib/google-cloud-sdk/bin/kubectl.1.33",
  "/usr/lib/google-cloud-sdk/bin/kubectl",
  "/usr/lib/google-cloud-sdk/bin/anthoscli",
];

/** Proto package -> our short prefix. Only these packages are written. */
export const PACKAGES: Record<string, string> = {
  "k8s.io.apimachinery.pkg.apis.meta.v1": "meta.v1",
  "k8s.io.apimachinery.pkg.api.resource": "resource",
  "k8s.io.apimachinery.pkg.util.intstr": "intstr",
  "k8s.io.apimachinery.pkg.runtime": "runtime",
  "k8s.io.api.core.v1": "core.v1",
  "k8s.io.api.apps.v1": "apps.v1",
  "k8s.io.api.batch.v1": "batch.v1",
  "k8s.io.api.rbac.v1": "rbac.v1",
  "k8s.io.api.networking.v1": "networking.v1",
  "k8s.io.api.policy.v1": "policy.v1",
  "k8s.io.api.scheduling.v1": "scheduling.v1",
  "k8s.io.api.storage.v1": "storage.v1",
  "k8s.io.api.coordination.v1": "coordination.v1",
  "k8s.io.api.discovery.v1": "discovery.v1",
  "k8s.io.api.authentication.v1": "authentication.v1",
  "k8s.io.api.authorization.v1": "authorization.v1",
  "k8s.io.api.autoscaling.v1": "autoscaling.v1",
  "k8s.io.api.node.v1": "node.v1",
  "k8s.io.api.events.v1": "events.v1",
  "k8s.io.api.admissionregistration.v1": "admissionregistration.v1",
  "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1": "apiextensions.v1",
};

/** JSON names that are not valid proto identifiers (OpenAPI's "$ref", "x-kubernetes-*"). */
function jsonName(message: string, protoName: string): string {
  if (message === "apiextensions.v1.JSONSchemaProps") {
    if (protoName === "ref" || protoName === "schema") return "$" + protoName;
    if (protoName.startsWith("xKubernetes")) return "x" + protoName.slice(1).replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
  }
  return protoName;
}

const SCALARS: Record<number, string> = {
  1: "double", 2: "float", 3: "int64", 4: "uint64", 5: "int32", 8: "bool", 9: "string", 12: "bytes", 13: "uint32",
};

interface Field { name: string; number: number; label: number; type: number; typeName: string }
interface Message { name: string; fields: Field[]; nested: Message[]; mapEntry: boolean }
interface File { name: string; pkg: string; messages: Message[] }

function readField(r: WireReader): Field {
  const f: Field = { name: "", number: 0, label: 1, type: 0, typeName: "" };
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === 1) f.name = r.string();
    else if (field === 3) f.number = r.uint32();
    else if (field === 4) f.label = r.uint32();
    else if (field === 5) f.type = r.uint32();
    else if (field === 6) f.typeName = r.string();
    else r.skip(wire);
  }
  return f;
}

function readMessage(r: WireReader): Message {
  const m: Message = { name: "", fields: [], nested: [], mapEntry: false };
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === 1) m.name = r.string();
    else if (field === 2) m.fields.push(readField(sub(r)));
    else if (field === 3) m.nested.push(readMessage(sub(r)));
    else if (field === 7) {
      const o = sub(r); // MessageOptions: map_entry = 7
      while (!o.done()) {
        const t = o.tag();
        if (t.field === 7) m.mapEntry = o.bool();
        else o.skip(t.wire);
      }
    } else r.skip(wire);
  }
  return m;
}

function sub(r: WireReader): WireReader {
  const [start, end] = r.lengthDelimited();
  return new WireReader(r.bytes, start, end);
}

function readFile(bytes: Uint8Array): File {
  const r = new WireReader(bytes);
  const file: File = { name: "", pkg: "", messages: [] };
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === 1) file.name = r.string();
    else if (field === 2) file.pkg = r.string();
    else if (field === 4) file.messages.push(readMessage(sub(r)));
    else r.skip(wire);
  }
  return file;
}

/** Every gzip stream in a binary that inflates to a FileDescriptorProto of a generated.proto. */
export function descriptorsIn(binary: Uint8Array): File[] {
  const files: File[] = [];
  for (let i = 0; i + 3 < binary.length; i++) {
    // A gzip header without optional fields (flags 0), as Go's gzip writer makes it.
    if (binary[i] !== 0x1f || binary[i + 1] !== 0x8b || binary[i + 2] !== 8 || binary[i + 3] !== 0) continue;
    let out: Buffer;
    try {
      // Raw inflate of this one member: gunzip would run on into the next descriptor's gzip
      // stream when two sit back to back, and concatenated protobuf messages merge silently.
      out = inflateRawSync(binary.subarray(i + 10, i + 400_000), { finishFlush: constants.Z_SYNC_FLUSH });
    } catch {
      continue;
    }
    if (out[0] !== 0x0a || !out.subarray(0, 120).toString("latin1").includes("generated.proto")) continue;
    try {
      files.push(readFile(out));
    } catch {
      // Not a descriptor after all.
    }
  }
  return files;
}

function typeOf(f: Field): string {
  if (f.type === 11) return shortName(f.typeName);
  const s = SCALARS[f.type];
  if (!s) throw new Error(`field ${f.name}: unexpected proto type ${f.type}`);
  return s;
}

function shortName(typeName: string): string {
  const full = typeName.replace(/^\./, "");
  const dot = full.lastIndexOf(".");
  const alias = PACKAGES[full.slice(0, dot)];
  if (!alias) throw new Error(`message type ${full} is in a package we do not write`);
  return `${alias}.${full.slice(dot + 1)}`;
}

/** Inlined embedded structs whose tag the fact finder cannot match (no name= in the tag). */
const INLINE: Record<string, number[]> = { "core.v1.EphemeralContainer": [1] };

/** Messages whose Go struct was not found: their numbers and booleans are kept as sent. */
export const unmatched: string[] = [];
/** Fields whose JSON name is not their proto name (printed for review). */
export const renamed: string[] = [];

/** Our table of one package: message name -> number -> [json, type, flags]. */
export function tableOf(file: File, alias: string, goFacts: GoFacts): Record<string, Record<number, FieldSpec>> {
  const table: Record<string, Record<number, FieldSpec>> = {};
  for (const m of file.messages) {
    const name = `${alias}.${m.name}`;
    const facts = goFacts.get(signature(m.fields.map((f) => [f.number, f.name])));
    if (!facts) unmatched.push(name);
    const entries = new Map(m.nested.filter((n) => n.mapEntry).map((n) => [n.name, n]));
    const fields: Record<number, FieldSpec> = {};
    for (const f of [...m.fields].sort((a, b) => a.number - b.number)) {
      // Go's json tag is the truth (a webhook configuration's proto name is "Webhooks", its JSON
      // name "webhooks"); "-" marks a field JSON does not show by name (FieldsV1.Raw).
      const goJson = facts?.get(f.number)?.json;
      const json = goJson && goJson !== "-" ? goJson : jsonName(name, f.name);
      if (json !== f.name) renamed.push(`${name}.${f.name} -> ${json}`);
      const entryName = f.type === 11 ? f.typeName.slice(f.typeName.lastIndexOf(".") + 1) : "";
      const entry = entries.get(entryName);
      if (entry && f.typeName.endsWith(`.${m.name}.${entryName}`)) {
        const key = entry.fields.find((x) => x.number === 1)!;
        const value = entry.fields.find((x) => x.number === 2)!;
        if (key.type !== 9) throw new Error(`${name}.${f.name}: map key is not a string`);
        fields[f.number] = [json, typeOf(value), "m"];
        continue;
      }
      let flags = f.label === 3 ? "r" : "";
      const fact = facts?.get(f.number);
      if (fact && f.label !== 3) {
        if (fact.inline) flags += "i";
        else if (fact.pointer) flags += "p";
        else if (fact.omitempty && f.type !== 11 && f.type !== 9 && f.type !== 12) flags += "z";
      }
      if (INLINE[name]?.includes(f.number) && !flags.includes("i")) flags += "i";
      fields[f.number] = flags ? [json, typeOf(f), flags] : [json, typeOf(f)];
    }
    table[name] = fields;
  }
  return table;
}

function render(alias: string, source: string, table: Record<string, Record<number, FieldSpec>>): string {
  const constName = alias.replace(/\.(\w)/g, (_, c: string) => c.toUpperCase()).replace(/^\w/, (c) => c.toLowerCase());
  const lines = Object.entries(table).map(([name, fields]) => {
    const body = Object.entries(fields)
      .map(([n, spec]) => `${n}: ${JSON.stringify(spec).replace(/","/g, '", "')}`)
      .join(", ");
    return `  "${name}": { ${body} },`;
  });
  return [
    `/**`,
    ` * Protobuf field numbers of ${alias} (${source}).`,
    ` * Written by test/server/protobuf/generate-schema.ts from the compiled generated.proto`,
    ` * descriptors; regenerate rather than edit (see that script for the hand-added fields).`,
    ` */`,
    `import type { SchemaTable } from "./types.ts";`,
    ``,
    `export const ${constName}: SchemaTable = {`,
    ...lines,
    `};`,
    ``,
  ].join("\n");
}

interface FieldFacts { pointer: boolean; omitempty: boolean; inline: boolean; json: string }
/** Protobuf-tag signature of a struct -> its fields' facts by number (absent: unknown or ambiguous). */
type GoFacts = Map<string, Map<number, FieldFacts>>;

function signature(fields: [number, string][]): string {
  return fields.map(([n, name]) => `${n}:${name}`).sort().join(" ");
}

const GO_KIND_PTR = 22;

/**
 * Struct field facts from a Go (1.21+, ELF, non-PIE) binary's reflection data. A field record is
 * {name *byte, typ *_type, offset uintptr}; name points at: flags byte, varint length, name,
 * varint length, tag. The kind of a type is the byte at offset 23 of its _type.
 */
export function goFieldFacts(binary: Buffer): GoFacts {
  const view = new DataView(binary.buffer, binary.byteOffset, binary.byteLength);
  const ro = elfSection(binary, view, ".rodata");
  if (!ro) return new Map();
  const addrOf = (off: number) => off - ro.off + ro.addr;
  // Name records whose tag has a protobuf key, by address.
  const names = new Map<number, string>();
  const text = binary.toString("latin1", ro.off, ro.off + ro.size);
  const tagStart = /json:"[^"]*"[^\x00-\x1f]*?protobuf:"[^"]*"|protobuf:"[^"]*"[^\x00-\x1f]*?json:"[^"]*"|protobuf:"[^"]*"/g;
  for (let m; (m = tagStart.exec(text)); ) {
    const t = ro.off + m.index;
    for (const lenBytes of [1, 2]) {
      const [len, n] = readVarint(binary, t - lenBytes);
      if (n !== lenBytes || len < m[0].length) continue;
      const tag = binary.toString("latin1", t, t + len);
      // The Go field name ends where the tag length starts: [flags][len][name].
      for (let nameLen = 1; nameLen < 100; nameLen++) {
        const nameStart = t - lenBytes - nameLen;
        if (binary[nameStart - 1] !== nameLen || (binary[nameStart - 2]! & 2) === 0 || binary[nameStart - 2]! > 15) continue;
        if (!/^[A-Za-z_]\w*$/.test(binary.toString("latin1", nameStart, t - lenBytes))) continue;
        names.set(addrOf(nameStart - 2), tag);
        break;
      }
    }
  }
  // Field records: runs of 24-byte records whose name is one of those.
  const facts = new Map<string, Map<number, FieldFacts> | null>();
  let run: { number: number; name: string; facts: FieldFacts }[] = [];
  let last = -1;
  const flush = () => {
    if (run.length === 0) return;
    const sig = signature(run.map((f) => [f.number, f.name]));
    const mine = new Map(run.map((f) => [f.number, f.facts]));
    const seen = facts.get(sig);
    if (seen === undefined) facts.set(sig, mine);
    else if (seen) {
      // The same message in two packages (v1, v1beta1): keep only the facts they agree on.
      for (const [n, f] of seen) {
        const o = mine.get(n);
        if (!o || o.pointer !== f.pointer || o.omitempty !== f.omitempty || o.inline !== f.inline || o.json !== f.json) seen.delete(n);
      }
    }
    run = [];
  };
  for (let p = ro.off; p + 24 <= ro.off + ro.size; p += 8) {
    const tag = names.get(Number(view.getBigUint64(p, true)));
    if (!tag) continue;
    const typ = Number(view.getBigUint64(p + 8, true));
    if (typ < ro.addr || typ >= ro.addr + ro.size) continue;
    if (p !== last + 24) flush();
    last = p;
    const proto = /protobuf:"\w+,(\d+),[^"]*?name=(\w+)/.exec(tag);
    const json = /json:"([^"]*)"/.exec(tag)?.[1] ?? "";
    if (!proto) continue;
    run.push({
      number: Number(proto[1]),
      name: proto[2]!,
      facts: {
        pointer: (binary[typ - ro.addr + ro.off + 23]! & 0x1f) === GO_KIND_PTR,
        omitempty: json.split(",").includes("omitempty"),
        inline: json.split(",").includes("inline"),
        json: json.split(",")[0]!,
      },
    });
  }
  flush();
  return new Map([...facts].filter((e): e is [string, Map<number, FieldFacts>] => e[1] !== null));
}

function readVarint(bytes: Uint8Array, pos: number): [value: number, length: number] {
  let value = 0;
  for (let n = 0; n < 4; n++) {
    const b = bytes[pos + n];
    if (b === undefined) return [-1, 0];
    value |= (b & 0x7f) << (7 * n);
    if ((b & 0x80) === 0) return [value, n + 1];
  }
  return [-1, 0];
}

function elfSection(bytes: Buffer, view: DataView, wanted: string): { addr: number; off: number; size: number } | undefined {
  if (bytes.readUInt32BE(0) !== 0x7f454c46) return undefined;
  const shoff = Number(view.getBigUint64(0x28, true));
  const entsize = view.getUint16(0x3a, true);
  const count = view.getUint16(0x3c, true);
  const strtab = Number(view.getBigUint64(shoff + view.getUint16(0x3e, true) * entsize + 24, true));
  for (let i = 0; i < count; i++) {
    const o = shoff + i * entsize;
    const nameAt = strtab + view.getUint32(o, true);
    const name = bytes.toString("latin1", nameAt, bytes.indexOf(0, nameAt));
    if (name === wanted) {
      return { addr: Number(view.getBigUint64(o + 16, true)), off: Number(view.getBigUint64(o + 24, true)), size: Number(view.getBigUint64(o + 32, true)) };
    }
  }
  return undefined;
}

/** Fields newer than the binary that supplies a package, read from upstream's generated.proto. */
const EXTRA_FIELDS: Record<string, Record<string, Record<number, FieldSpec>>> = {
  "apiextensions.v1": {
    "apiextensions.v1.CustomResourceDefinitionVersion": {
      9: ["selectableFields", "apiextensions.v1.SelectableField", "r"],
    },
    "apiextensions.v1.SelectableField": { 1: ["jsonPath", "string"] },
    "apiextensions.v1.ValidationRule": {
      3: ["messageExpression", "string"],
      4: ["reason", "string"],
      5: ["fieldPath", "string"],
      6: ["optionalOldSelf", "bool"],
    },
  },
};

/** The tables of every package in PACKAGES, from the first binary that has each. */
export function buildTables(binaries: string[]): Map<string, { source: string; table: Record<string, Record<number, FieldSpec>> }> {
  const chosen = new Map<string, { file: File; binary: string }>();
  const goFacts: GoFacts = new Map();
  for (const binary of binaries) {
    if (!existsSync(binary)) continue;
    const bytes = readFileSync(binary);
    for (const file of descriptorsIn(bytes)) {
      if (PACKAGES[file.pkg] && !chosen.has(file.pkg)) chosen.set(file.pkg, { file, binary });
    }
    for (const [sig, facts] of goFieldFacts(bytes)) if (!goFacts.has(sig)) goFacts.set(sig, facts);
  }
  const tables = new Map<string, { source: string; table: Record<string, Record<number, FieldSpec>> }>();
  for (const [pkg, alias] of Object.entries(PACKAGES)) {
    const found = chosen.get(pkg);
    if (!found) continue;
    const table = tableOf(found.file, alias, goFacts);
    for (const [message, fields] of Object.entries(EXTRA_FIELDS[alias] ?? {})) {
      table[message] = { ...table[message], ...fields };
    }
    tables.set(alias, { source: found.binary.split("/").pop()!, table });
  }
  return tables;
}

export { DEFAULT_BINARIES };

function main(binaries: string[]): void {
  const tables = buildTables(binaries);
  for (const alias of Object.values(PACKAGES)) {
    const built = tables.get(alias);
    if (!built) {
      console.error(`missing: ${alias}`);
      continue;
    }
    const out = new URL(`../../../server/api/protobuf/schema/${alias.replace(/\./g, "-")}.ts`, import.meta.url);
    writeFileSync(out, render(alias, `from ${built.source}`, built.table));
    console.log(`${alias}: ${Object.keys(built.table).length} messages from ${built.source}`);
  }
  console.log(`no Go struct facts for: ${unmatched.join(" ")}`);
  console.log(`JSON names that differ from proto names:\n  ${renamed.join("\n  ")}`);
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.length > 2 ? process.argv.slice(2) : DEFAULT_BINARIES);
