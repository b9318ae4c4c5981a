/**
 * `use: jsr:…` and `use: https://…` under Deno, for real: the server runs as `deno run -A main.ts`
 * and imports plugins from a module host on 127.0.0.1 over TLS. The host serves a JSR registry's
 * layout (`meta.json`, `<version>_meta.json` with sha256 checksums, the files), which Deno reads
 * through `JSR_URL`, and plain modules for the https: case; Deno trusts the host's test CA
 * through `DENO_CERT`. `DENO_DIR` is a fresh directory, so every run downloads anew.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { servingCertificate } from "../serving-certificate.ts";
import { denoCommand, listenFlags, logRecords, repo, start } from "./spawn.ts";

/**
 * A plugin's source: a plain definition object (definePlugin is the identity), one relative
 * import, a log line when set up and one when stopped.
 */
const pluginSource = (name: string, wordsModule: string) => `import { words } from "./${wordsModule}";
export default {
  name: "${name}",
  provides: ["greeting"],
  setup(ctx) {
    ctx.log.info("${name} set up", { words });
    return { provides: { greeting: words }, stop: () => ctx.log.info("${name} stopping") };
  },
};
`;

/** Files of one JSR package version, as a registry serves them under `<JSR_URL>@scope/name/`. */
function jsrPackage(scope: string, name: string, version: string, files: Record<string, string>): Record<string, string> {
  const base = `/jsr/@${scope}/${name}`;
  const manifest = Object.fromEntries(
    Object.entries(files).map(([path, text]) => [path, { size: Buffer.byteLength(text), checksum: `sha256-${createHash("sha256").update(text).digest("hex")}` }]),
  );
  const routes: Record<string, string> = {
    [`${base}/meta.json`]: JSON.stringify({ scope, name, latest: version, versions: { [version]: {} } }),
    [`${base}/${version}_meta.json`]: JSON.stringify({ manifest, exports: { ".": "./mod.ts" } }),
  };
  for (const [path, text] of Object.entries(files)) routes[`${base}/${version}${path}`] = text;
  return routes;
}

describe("k3ts under Deno: plugins from jsr: and https: specifiers", { timeout: 90_000 }, () => {
  let host: Server;
  let origin: string;
  let caFile: string;
  const requested: string[] = [];

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "k3ts-module-host-"));
    const certificate = await servingCertificate(dir, "module-host");
    caFile = certificate.caFile;
    const routes: Record<string, string> = {
      ...jsrPackage("acme", "k3ts-greeter", "1.2.0", { "/mod.ts": pluginSource("jsr-greeter", "words.ts"), "/words.ts": 'export const words = "hello from jsr";\n' }),
      "/modules/greeter.ts": pluginSource("https-greeter", "words.ts"),
      "/modules/words.ts": 'export const words = "hello over https";\n',
    };
    host = createServer({ cert: readFileSync(certificate.certFile), key: readFileSync(certificate.keyFile) }, (request, response) => {
      const path = new URL(request.url ?? "/", "https://127.0.0.1").pathname;
      requested.push(path);
      const body = routes[path];
      if (body === undefined) {
        response.writeHead(404, { "content-type": "text/plain" }).end("not found");
        return;
      }
      const type = path.endsWith(".json") ? "application/json" : "application/typescript; charset=utf-8";
      response.writeHead(200, { "content-type": type }).end(body);
    });
    await new Promise<void>((resolve) => host.listen(0, "127.0.0.1", resolve));
    origin = `https://127.0.0.1:${(host.address() as AddressInfo).port}`;
  });

  afterAll(() => host?.close());

  /** Starts `k3ts server` under Deno with `plugins` as the manifest's list; Deno trusts the host when `trust`. */
  async function startServer(plugins: string[], trust = true) {
    const dataDir = mkdtempSync(join(tmpdir(), "k3ts-deno-remote-"));
    const manifest = join(dataDir, "config.yaml");
    writeFileSync(manifest, ["plugins:", ...plugins.map((use) => `  - {use: "${use}"}`)].join("\n") + "\n");
    const env = { DENO_DIR: join(dataDir, "deno-cache"), JSR_URL: `${origin}/jsr/`, DENO_CERT: trust ? caFile : undefined, NO_COLOR: "1" };
    return start(denoCommand(["server", "--data-dir", dataDir, "--config", manifest, "--log-format", "json", ...(await listenFlags())]), { cwd: repo, env });
  }

  it("imports a jsr: package and an https: module, with their relative imports, and starts them in order", async () => {
    requested.length = 0;
    const k3ts = await startServer(["jsr:@acme/k3ts-greeter", `${origin}/modules/greeter.ts`]);
    await k3ts.waitForLine(/k3ts server is up/, 60_000);
    k3ts.child.kill("SIGTERM");
    const exit = await k3ts.exited();
    expect(exit.code).toBe(0);
    const records = logRecords(exit.stderr);
    expect(records.filter((r) => r.msg === "plugin started").map((r) => [r.name, r.source])).toEqual([
      ["sqlite", "built-in sqlite"],
      ["jsr-greeter", "jsr:@acme/k3ts-greeter"],
      ["https-greeter", `${origin}/modules/greeter.ts`],
    ]);
    expect(records.find((r) => r.msg === "jsr-greeter set up")).toMatchObject({ words: "hello from jsr" });
    expect(records.find((r) => r.msg === "https-greeter set up")).toMatchObject({ words: "hello over https" });
    // Deno read the registry's metadata and both packages' files from the host.
    expect(requested).toEqual(expect.arrayContaining([
      "/jsr/@acme/k3ts-greeter/meta.json",
      "/jsr/@acme/k3ts-greeter/1.2.0_meta.json",
      "/jsr/@acme/k3ts-greeter/1.2.0/mod.ts",
      "/jsr/@acme/k3ts-greeter/1.2.0/words.ts",
      "/modules/greeter.ts",
      "/modules/words.ts",
    ]));
    // Stopped in reverse order.
    expect(records.filter((r) => /greeter stopping$/.test(String(r.msg))).map((r) => r.msg)).toEqual(["https-greeter stopping", "jsr-greeter stopping"]);
  });

  it("stops startup naming the plugin when a jsr: package does not exist", async () => {
    const k3ts = await startServer(["jsr:@acme/no-such-plugin"]);
    const exit = await k3ts.exited(60_000);
    expect(exit.code).toBe(1);
    expect(exit.stderr).toContain('plugins[0]: cannot import "jsr:@acme/no-such-plugin"');
  });

  it("stops startup naming the plugin when the https: host's certificate is not trusted", async () => {
    const k3ts = await startServer([`${origin}/modules/greeter.ts`], false);
    const exit = await k3ts.exited(60_000);
    expect(exit.code).toBe(1);
    expect(exit.stderr).toContain(`plugins[0]: cannot import "${origin}/modules/greeter.ts"`);
    expect(exit.stderr).toMatch(/certificate|UnknownIssuer/i);
  });
});
