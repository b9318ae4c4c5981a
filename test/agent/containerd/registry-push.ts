/**
 * Pushes an OCI image archive (the layout `npm run images` writes: oci-layout, index.json,
 * blobs/sha256/...) to a registry over the HTTP API v2, without docker or skopeo: each blob the
 * registry lacks (HEAD) is uploaded with POST /blobs/uploads/ then a monolithic PUT ?digest=, and
 * the manifest last with PUT /manifests/<tag>. Meant for registries on loopback.
 */
import { Buffer } from "node:buffer";

export interface PushTarget {
  /** `http://127.0.0.1:5000` */
  registry: string;
  /** `library/busybox` */
  repository: string;
  tag: string;
  /** Basic credentials, when the registry wants them. */
  auth?: { username: string; password: string };
}

/** The regular files of a ustar archive, by path. */
export function untar(archive: Uint8Array): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const text = (from: number, length: number) => {
    const bytes = archive.subarray(from, from + length);
    const end = bytes.indexOf(0);
    return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
  };
  let offset = 0;
  while (offset + 512 <= archive.length) {
    const name = text(offset, 100);
    if (name === "") break;
    const prefix = text(offset + 345, 155);
    const size = parseInt(text(offset + 124, 12).trim() || "0", 8);
    const type = String.fromCharCode(archive[offset + 156]!);
    const path = prefix ? `${prefix}/${name}` : name;
    if (type === "0" || type === "\0") files.set(path, archive.subarray(offset + 512, offset + 512 + size));
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

function blobOf(files: Map<string, Uint8Array>, digest: string): Uint8Array {
  const data = files.get(`blobs/${digest.replace(":", "/")}`);
  if (!data) throw new Error(`archive lacks blob ${digest}`);
  return data;
}

async function expectStatus(response: Response, ok: number[], what: string): Promise<Response> {
  if (!ok.includes(response.status)) throw new Error(`${what}: HTTP ${response.status} ${await response.text()}`);
  return response;
}

/** Pushes the archive's (first) image; returns the manifest's digest. */
export async function pushArchive(archive: Uint8Array, target: PushTarget): Promise<string> {
  const files = untar(archive);
  const index = JSON.parse(new TextDecoder().decode(files.get("index.json"))) as { manifests: Descriptor[] };
  const manifestDescriptor = index.manifests[0];
  if (!manifestDescriptor) throw new Error("archive's index.json lists no manifest");
  const manifestBytes = blobOf(files, manifestDescriptor.digest);
  const manifest = JSON.parse(new TextDecoder().decode(manifestBytes)) as { config: Descriptor; layers: Descriptor[] };
  const headers: Record<string, string> = target.auth
    ? { authorization: `Basic ${Buffer.from(`${target.auth.username}:${target.auth.password}`).toString("base64")}` }
    : {};
  const base = `${target.registry}/v2/${target.repository}`;
  for (const descriptor of [manifest.config, ...manifest.layers]) {
    const head = await fetch(`${base}/blobs/${descriptor.digest}`, { method: "HEAD", headers });
    if (head.status === 200) continue;
    const started = await expectStatus(await fetch(`${base}/blobs/uploads/`, { method: "POST", headers }), [202], `starting the upload of ${descriptor.digest}`);
    await started.arrayBuffer();
    const location = new URL(started.headers.get("location") ?? "", target.registry);
    location.searchParams.set("digest", descriptor.digest);
    const put = await fetch(location, {
      method: "PUT",
      headers: { ...headers, "content-type": "application/octet-stream" },
      body: Buffer.from(blobOf(files, descriptor.digest)),
    });
    await (await expectStatus(put, [201], `uploading ${descriptor.digest}`)).arrayBuffer();
  }
  const put = await fetch(`${base}/manifests/${target.tag}`, {
    method: "PUT",
    headers: { ...headers, "content-type": manifestDescriptor.mediaType },
    body: Buffer.from(manifestBytes),
  });
  await (await expectStatus(put, [201], `putting the manifest ${target.repository}:${target.tag}`)).arrayBuffer();
  return manifestDescriptor.digest;
}
