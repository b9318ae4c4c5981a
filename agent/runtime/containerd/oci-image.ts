/**
 * Builds an image archive that containerd imports (`ctr images import`, k3s's airgap tarballs):
 * an OCI image layout (oci-layout, index.json, blobs/sha256/...) whose index names the image with
 * containerd's `io.containerd.image.name` annotation, plus a docker-save `manifest.json` over the
 * same blobs, as `docker save` has written since Docker 25 — so the file also loads with tools that
 * only know the docker form. Layers are gzipped with node:zlib; every digest is a sha256; the
 * output depends only on the input (fixed mtimes, stable JSON), so builds are reproducible.
 */
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { tar, type TarEntry } from "./tar.ts";

export const MEDIA_TYPES = {
  index: "application/vnd.oci.image.index.v1+json",
  manifest: "application/vnd.oci.image.manifest.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
} as const;

export interface ImageDefinition {
  /** The full reference containerd stores: `docker.io/library/busybox:local`. */
  name: string;
  /** The layers, bottom first, each as tar entries. */
  layers: { entries: TarEntry[]; createdBy: string }[];
  /** The image config's `config` (the docker/OCI field names). */
  config: { Entrypoint?: string[]; Cmd?: string[]; Env?: string[]; WorkingDir?: string; User?: string; Labels?: Record<string, string> };
  /** GOARCH-style name: amd64, arm64, ... */
  architecture: string;
}

export interface BuiltImage {
  name: string;
  /** The archive file's bytes (a tar). */
  archive: Uint8Array;
  /** The manifest's digest: what `ctr images ls` shows and what CRI reports as repoDigests' hash. */
  manifestDigest: string;
  /** The config's digest: CRI's image ID. */
  configDigest: string;
}

interface Blob {
  digest: string;
  data: Uint8Array;
}

function sha256(data: Uint8Array): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

function blob(data: Uint8Array): Blob {
  return { digest: sha256(data), data };
}

function json(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

/** `docker.io/library/busybox:local` → `busybox:local`, as docker's RepoTags spell it. */
export function familiarName(name: string): string {
  return name.replace(/^docker\.io\/library\//, "").replace(/^docker\.io\//, "");
}

/** The tag of a reference (`local` of `docker.io/library/busybox:local`). */
function tagOf(name: string): string {
  const slash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  return colon > slash ? name.slice(colon + 1) : "latest";
}

/** Maps Node's process.arch to the OCI (GOARCH) name. */
export function ociArchitecture(nodeArch: string): string {
  const map: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64" };
  return map[nodeArch] ?? nodeArch;
}

export function buildImage(image: ImageDefinition, mtimeSeconds: number): BuiltImage {
  const created = new Date(mtimeSeconds * 1000).toISOString().replace(/\.000Z$/, "Z");
  const layers = image.layers.map((layer) => {
    const raw = tar(layer.entries, mtimeSeconds);
    // level 9 and no file name or time in the gzip header (node writes mtime 0): stable bytes.
    const compressed = gzipSync(raw, { level: 9 });
    return { diffId: sha256(raw), blob: blob(compressed), createdBy: layer.createdBy };
  });
  const config = blob(json({
    created,
    architecture: image.architecture,
    os: "linux",
    config: image.config,
    rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
    history: layers.map((l) => ({ created, created_by: l.createdBy })),
  }));
  const manifest = blob(json({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.manifest,
    config: { mediaType: MEDIA_TYPES.config, digest: config.digest, size: config.data.length },
    layers: layers.map((l) => ({ mediaType: MEDIA_TYPES.layerGzip, digest: l.blob.digest, size: l.blob.data.length })),
  }));
  const index = json({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.index,
    manifests: [{
      mediaType: MEDIA_TYPES.manifest,
      digest: manifest.digest,
      size: manifest.data.length,
      platform: { architecture: image.architecture, os: "linux" },
      annotations: {
        "io.containerd.image.name": image.name,
        "org.opencontainers.image.ref.name": tagOf(image.name),
      },
    }],
  });
  const blobPath = (b: Blob) => `blobs/sha256/${b.digest.slice("sha256:".length)}`;
  const dockerManifest = json([{
    Config: blobPath(config),
    RepoTags: [familiarName(image.name)],
    Layers: layers.map((l) => blobPath(l.blob)),
  }]);
  const blobs = [config, manifest, ...layers.map((l) => l.blob)];
  const entries: TarEntry[] = [
    { type: "dir", path: "blobs/", mode: 0o755 },
    { type: "dir", path: "blobs/sha256/", mode: 0o755 },
    ...blobs.map((b): TarEntry => ({ type: "file", path: blobPath(b), mode: 0o644, data: b.data })),
    { type: "file", path: "index.json", mode: 0o644, data: index },
    { type: "file", path: "manifest.json", mode: 0o644, data: dockerManifest },
    { type: "file", path: "oci-layout", mode: 0o644, data: json({ imageLayoutVersion: "1.0.0" }) },
  ];
  return { name: image.name, archive: tar(entries, mtimeSeconds), manifestDigest: manifest.digest, configDigest: config.digest };
}
