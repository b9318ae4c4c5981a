/**
 * registries.yaml on a real containerd (Debian's 1.6, as root) with the real kubelet: private
 * docker-registry instances on 127.0.0.1 — plain HTTP, behind htpasswd basic auth, on TLS with a
 * test CA — hold busybox:local, pushed over the registry API v2; a registries.yaml read by
 * loadRegistries is turned into hosts.toml files and config.toml credentials by the launcher. Pods
 * then pull over plain HTTP, through a mirror of a made-up registry name, with credentials (both
 * forms), over TLS (ca_file, insecure_skip_verify), by pull policy, and failures (a missing image,
 * no credentials, an unknown CA) end in ErrImagePull / ImagePullBackOff with the cause.
 *
 * Network: every endpoint is 127.0.0.1 (or localhost, from /etc/hosts), and the default-endpoint
 * fallback is disabled, so the made-up `registry.example` is never looked up in DNS.
 */
import { Buffer } from "node:buffer";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pod } from "../../../agent/kubelet/types.ts";
import type { KubeObject } from "../../../plugins/client.ts";
import { DEFAULT_MTIME, imageDefinitions } from "../../../agent/runtime/containerd/images.ts";
import { buildImage } from "../../../agent/runtime/containerd/oci-image.ts";
import { loadRegistries } from "../../../agent/runtime/containerd/registries.ts";
import { eventually } from "../../server/controllers/run-controllers.ts";
import { servingCertificate } from "../../serving-certificate.ts";
import { startTestServer, type TestServer } from "../../server/harness.ts";
import { NODE, type RealKubelet, RealNode, skipReason } from "../kubelet-real/harness.ts";
import { pushArchive } from "./registry-push.ts";
import { REGISTRY_BINARY, startRegistry, type TestRegistry } from "./registry-server.ts";

if (skipReason) console.warn(`registry tests skipped: ${skipReason}`);

const NS = "default";
const PODS = { apiVersion: "v1", resource: "pods" };
const CREDENTIALS = { username: "k3ts", password: "pull-s3cret" };
const BUILT_ARCHIVE = join(import.meta.dirname, "../../../build/images/busybox-local.tar");

/** busybox:local's archive: the one `npm run images` wrote, else the same bytes built here. */
function busyboxArchive(): Uint8Array {
  return existsSync(BUILT_ARCHIVE) ? readFileSync(BUILT_ARCHIVE) : buildImage(imageDefinitions().busybox, DEFAULT_MTIME).archive;
}

/** busybox:local with MARK=<mark> in its environment: a second image under the same tag. */
function markedArchive(mark: string): Uint8Array {
  const busybox = imageDefinitions().busybox;
  return buildImage({ ...busybox, config: { ...busybox.config, Env: [...(busybox.config.Env ?? []), `MARK=${mark}`] } }, DEFAULT_MTIME).archive;
}

describe.skipIf(skipReason !== "")("registries.yaml on containerd (real registries on loopback)", { timeout: 90_000 }, () => {
  let t: TestServer;
  let node: RealNode;
  let kubelet: RealKubelet;
  let plain: TestRegistry;
  let secured: TestRegistry;
  /** The same images and users as `secured`, on another port: credentials in the `auth` form. */
  let securedToo: TestRegistry;
  /** `plain`'s images over TLS, twice: one port trusted through ca_file / skip_verify, one not. */
  let tls: TestRegistry;
  let tlsUntrusted: TestRegistry;
  let configDir: string;

  beforeAll(async () => {
    if (!existsSync(REGISTRY_BINARY)) throw new Error(`${REGISTRY_BINARY} missing: run scripts/setup-debian.sh (it installs docker-registry)`);
    configDir = mkdtempSync("/tmp/k3rr-");
    const certificate = await servingCertificate(configDir, "registry");
    plain = await startRegistry();
    secured = await startRegistry({ auth: CREDENTIALS });
    await pushArchive(busyboxArchive(), { registry: plain.url, repository: "library/busybox", tag: "pushed" });
    await pushArchive(markedArchive("one"), { registry: plain.url, repository: "library/busybox", tag: "moving" });
    await pushArchive(busyboxArchive(), { registry: secured.url, repository: "private/busybox", tag: "pushed", auth: CREDENTIALS });
    securedToo = await startRegistry({ auth: CREDENTIALS, storage: secured.storage });
    tls = await startRegistry({ tls: certificate, storage: plain.storage });
    tlsUntrusted = await startRegistry({ tls: certificate, storage: plain.storage });

    const file = join(configDir, "registries.yaml");
    const basic = Buffer.from(`${CREDENTIALS.username}:${CREDENTIALS.password}`).toString("base64");
    writeFileSync(file, [
      "mirrors:",
      `  "${plain.host}":`,
      `    endpoint: ["${plain.url}"]`,
      "  registry.example:",
      "    endpoint:",
      `      - "${plain.url}"`,
      `  "${secured.host}":`,
      `    endpoint: ["${secured.url}"]`,
      `  "localhost:${secured.port}":`,
      `    endpoint: ["http://localhost:${secured.port}"]`,
      `  "${securedToo.host}":`,
      `    endpoint: ["${securedToo.url}"]`,
      `  "${tls.host}":`,
      `    endpoint: ["${tls.url}"]`,
      `  "localhost:${tls.port}":`,
      `    endpoint: ["https://localhost:${tls.port}"]`,
      // https, else containerd takes a loopback registry for plain HTTP; and no configs entry.
      `  "${tlsUntrusted.host}":`,
      `    endpoint: ["${tlsUntrusted.url}"]`,
      "configs:",
      `  "${secured.host}":`,
      "    auth:",
      `      username: ${CREDENTIALS.username}`,
      `      password: ${CREDENTIALS.password}`,
      `  "${securedToo.host}":`,
      `    auth: {auth: "${basic}"}`,
      `  "${tls.host}":`,
      `    tls: {ca_file: "${certificate.caFile}"}`,
      // The certificate names 127.0.0.1 only, and its CA is not given: only skipping verification lets this through.
      `  "localhost:${tls.port}":`,
      "    tls: {insecure_skip_verify: true}",
      "",
    ].join("\n"));
    t = await startTestServer();
    node = new RealNode();
    await node.start({ registries: loadRegistries(file, { required: true }), disableDefaultRegistryEndpoint: true });
    // What controllers would make: the default ServiceAccount and the root CA ConfigMap its token volume reads.
    const admin = t.server.client;
    await admin.resource({ apiVersion: "v1", resource: "serviceaccounts" }).create({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: NS } }).catch(() => {});
    await admin.resource({ apiVersion: "v1", resource: "configmaps" }).create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "kube-root-ca.crt", namespace: NS }, data: { "ca.crt": "TEST-CA" } } as KubeObject).catch(() => {});
    kubelet = await node.kubelet(t.server.client.as("kubelet"));
  }, 120_000);

  afterAll(async () => {
    kubelet?.stop();
    await node?.stop();
    await t?.stop();
    for (const registry of [tls, tlsUntrusted, securedToo, plain, secured]) await registry?.stop();
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  }, 120_000);

  const pods = () => t.server.client.resource<Pod>(PODS);

  function run(name: string, image: string, imagePullPolicy: "Always" | "IfNotPresent", command = "echo mark=${MARK:-none}; sleep 3600"): Promise<Pod> {
    return pods().create({
      apiVersion: "v1", kind: "Pod", metadata: { name, namespace: NS },
      spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, containers: [{ name: "main", image, imagePullPolicy, command: ["sh", "-c", command] }] },
    });
  }

  /** Waits for `check`; a timeout says where the pod stood. */
  async function podWhere(name: string, check: (p: Pod) => boolean, what: string, ms = 60_000): Promise<Pod> {
    let last: Pod | undefined;
    try {
      return await eventually(async () => {
        last = await pods().get(name, NS);
        return last && check(last) ? last : undefined;
      }, what, ms);
    } catch (error) {
      const pulls = readFileSync(node.launcher.paths.log, "utf8").split("\n").filter((l) => /PullImage|hosts\.toml/.test(l)).slice(-10);
      throw new Error(`${(error as Error).message}; last status: ${JSON.stringify(last?.status)}; containerd: ${pulls.join("\n")}`);
    }
  }

  const running = (p: Pod) => p.status?.containerStatuses?.[0]?.state?.running !== undefined;
  const waitingReason = (p: Pod) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason;

  /** What the pod's container printed, from its CRI log. */
  async function output(pod: Pod): Promise<string> {
    const id = pod.status?.containerStatuses?.[0]?.containerID?.replace(/^containerd:\/\//, "") ?? "";
    const r = await node.runtime.execSync(id, ["sh", "-c", "echo mark=${MARK:-none}"], 10);
    return new TextDecoder().decode(r.stdout).trim();
  }

  it("writes hosts.toml per registry and keeps credentials in an owner-only config.toml", () => {
    const hostsDir = node.launcher.paths.registryHosts;
    const mirror = readFileSync(join(hostsDir, "registry.example", "hosts.toml"), "utf8");
    // The fallback is disabled: the mirror is the only host pulls may use; registry.example's own
    // endpoint is the push-only `server` (containerd wants one), never asked during a pull.
    expect(mirror).toContain(`[host."${plain.url}"]\n  capabilities = ["pull", "resolve"]`);
    expect(mirror).not.toContain(`[host."https://registry.example"]`);
    expect(mirror).toContain(`server = "https://registry.example"\ncapabilities = ["push"]`);
    const config = readFileSync(node.launcher.paths.config, "utf8");
    expect(config).toContain(`config_path = "${hostsDir}"`);
    expect(config).toContain(`registry.configs."${secured.host}".auth]`);
    expect(statSync(node.launcher.paths.config).mode & 0o777).toBe(0o600);
  });

  it("pulls from a plain-HTTP registry on loopback and runs the pod", async () => {
    await run("plain", `${plain.host}/library/busybox:pushed`, "IfNotPresent");
    const pod = await podWhere("plain", running, "pod plain running");
    expect(await output(pod)).toBe("mark=none");
    expect(pod.status?.containerStatuses?.[0]?.imageID).toMatch(/sha256:/);
  });

  it("pulls a made-up registry's image through its mirror (the registry sees ns=registry.example)", async () => {
    await run("mirrored", "registry.example/library/busybox:pushed", "IfNotPresent");
    await podWhere("mirrored", running, "pod mirrored running");
    expect(plain.requests().join("\n")).toMatch(/"(HEAD|GET) \/v2\/library\/busybox\/manifests\/pushed\?ns=registry\.example HTTP\/1\.1" 200/);
  });

  it("pulls with registries.yaml's credentials, and without them the registry's 401 shows in the pod", async () => {
    await run("authed", `${secured.host}/private/busybox:pushed`, "IfNotPresent");
    await podWhere("authed", running, "pod authed running");
    // Same registry under another name (localhost): no configs entry, so no credentials.
    await run("anonymous", `localhost:${secured.port}/private/busybox:pushed`, "IfNotPresent");
    const pod = await podWhere("anonymous", (p) => waitingReason(p) === "ErrImagePull" || waitingReason(p) === "ImagePullBackOff", "pod anonymous failing to pull");
    const failed = await eventually(async () => {
      const events = await t.server.client.resource<KubeObject & { involvedObject: { name: string }; reason: string; message: string }>({ apiVersion: "v1", resource: "events" }).list({ namespace: NS });
      return events.items.find((e) => e.involvedObject.name === "anonymous" && e.reason === "Failed");
    }, "a Failed event of pod anonymous");
    expect(failed.message).toContain(`pulling from host localhost:${secured.port} failed with status code [manifests pushed]: 401 Unauthorized`);
    expect(pod.status?.containerStatuses?.[0]?.state?.running).toBeUndefined();
    expect(secured.requests().join("\n")).toMatch(/"(HEAD|GET) \/v2\/private\/busybox\/manifests\/pushed HTTP\/1\.1" 401/);
  });

  it("pulls with the pod's imagePullSecrets; one it cannot read is a FailedToRetrieveImagePullSecret event", async () => {
    // localhost:<port> has no registries.yaml credentials (see above): only the Secret's can work.
    const host = `localhost:${secured.port}`;
    const dockerconfig = { auths: { [host]: { auth: Buffer.from(`${CREDENTIALS.username}:${CREDENTIALS.password}`).toString("base64") } } };
    await t.server.client.resource({ apiVersion: "v1", resource: "secrets" }).create({
      apiVersion: "v1", kind: "Secret", metadata: { name: "pull-creds", namespace: NS }, type: "kubernetes.io/dockerconfigjson",
      data: { ".dockerconfigjson": Buffer.from(JSON.stringify(dockerconfig)).toString("base64") },
    } as KubeObject);
    const withSecrets = (name: string, secrets: string[]) => pods().create({
      apiVersion: "v1", kind: "Pod", metadata: { name, namespace: NS },
      spec: {
        nodeName: NODE, terminationGracePeriodSeconds: 1, imagePullSecrets: secrets.map((s) => ({ name: s })),
        containers: [{ name: "main", image: `${host}/private/busybox:pushed`, imagePullPolicy: "Always", command: ["sleep", "3600"] }],
      },
    });
    await withSecrets("pull-secret", ["no-such-secret", "pull-creds"]);
    await podWhere("pull-secret", running, "pod pull-secret running");
    const events = t.server.client.resource<KubeObject & { involvedObject: { name: string }; reason: string; message: string }>({ apiVersion: "v1", resource: "events" });
    const missing = await eventually(async () => (await events.list({ namespace: NS })).items.find((e) => e.involvedObject.name === "pull-secret" && e.reason === "FailedToRetrieveImagePullSecret"), "a FailedToRetrieveImagePullSecret event");
    expect(missing.message).toBe("Unable to retrieve some image pull secrets (no-such-secret); attempting to pull the image may not succeed.");
    // Without a readable Secret the pull goes without credentials, and the registry refuses it.
    await withSecrets("pull-secret-missing", ["no-such-secret"]);
    await podWhere("pull-secret-missing", (p) => waitingReason(p) === "ErrImagePull" || waitingReason(p) === "ImagePullBackOff", "pod pull-secret-missing failing to pull");
  });

  it("IfNotPresent keeps the node's copy of a tag; Always pulls the registry's new one", async () => {
    await run("moving-1", `${plain.host}/library/busybox:moving`, "IfNotPresent");
    expect(await output(await podWhere("moving-1", running, "pod moving-1 running"))).toBe("mark=one");
    // The tag now names another image in the registry.
    await pushArchive(markedArchive("two"), { registry: plain.url, repository: "library/busybox", tag: "moving" });
    await run("moving-2", `${plain.host}/library/busybox:moving`, "IfNotPresent");
    expect(await output(await podWhere("moving-2", running, "pod moving-2 running"))).toBe("mark=one");
    await run("moving-3", `${plain.host}/library/busybox:moving`, "Always");
    expect(await output(await podWhere("moving-3", running, "pod moving-3 running"))).toBe("mark=two");
  });

  it("a missing image: ErrImagePull with the registry's not-found, then ImagePullBackOff", async () => {
    await run("missing", `${plain.host}/library/busybox:no-such-tag`, "IfNotPresent");
    const seen = new Set<string>();
    let message = "";
    await podWhere("missing", (p) => {
      const waiting = p.status?.containerStatuses?.[0]?.state?.waiting;
      if (waiting?.reason) seen.add(waiting.reason);
      if (waiting?.reason === "ErrImagePull") message = waiting.message ?? "";
      return seen.has("ErrImagePull") && seen.has("ImagePullBackOff");
    }, "ErrImagePull then ImagePullBackOff");
    expect(message).toContain(`${plain.host}/library/busybox:no-such-tag`);
    expect(message).toMatch(/not found/);
    expect(plain.requests().join("\n")).toMatch(/"HEAD \/v2\/library\/busybox\/manifests\/no-such-tag HTTP\/1\.1" 404/);
  });

  it("takes credentials in the auth (base64 user:password) form too", async () => {
    await run("authed-b64", `${securedToo.host}/private/busybox:pushed`, "IfNotPresent");
    await podWhere("authed-b64", running, "pod authed-b64 running");
    expect(securedToo.requests().join("\n")).toMatch(/"(HEAD|GET) \/v2\/private\/busybox\/manifests\/pushed HTTP\/1\.1" 200/);
  });

  it("pulls over TLS with the configs' ca_file or insecure_skip_verify; an unknown CA fails the pull", async () => {
    await run("tls-ca", `${tls.host}/library/busybox:pushed`, "IfNotPresent");
    await podWhere("tls-ca", running, "pod tls-ca running");
    await run("tls-skip", `localhost:${tls.port}/library/busybox:pushed`, "Always");
    await podWhere("tls-skip", running, "pod tls-skip running");
    await run("tls-untrusted", `${tlsUntrusted.host}/library/busybox:pushed`, "IfNotPresent");
    const pod = await podWhere("tls-untrusted", (p) => waitingReason(p) === "ErrImagePull", "pod tls-untrusted in ErrImagePull");
    expect(pod.status?.containerStatuses?.[0]?.state?.waiting?.message).toMatch(/x509: certificate signed by unknown authority/);
    expect(tlsUntrusted.requests()).toEqual([]);
  });
});
