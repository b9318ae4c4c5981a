/**
 * Image names as containerd's CRI normalizes them (docker.io/library/ for bare names, :latest when
 * no tag), and stable made-up digests, so that a simulated node reports image and imageID as a
 * real one would.
 */
import { createHash } from "node:crypto";
import type { Image } from "../mod.ts";

export function normalizeImageName(name: string): string {
  let ref = name.trim();
  const at = ref.indexOf("@");
  const path = at >= 0 ? ref.slice(0, at) : ref;
  const lastSlash = path.lastIndexOf("/");
  const hasTag = path.slice(lastSlash + 1).includes(":");
  if (at < 0 && !hasTag) ref = `${ref}:latest`;
  const first = ref.split("/")[0];
  const hasRegistry = ref.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  if (!hasRegistry) ref = ref.includes("/") ? `docker.io/${ref}` : `docker.io/library/${ref}`;
  return ref;
}

function repository(normalized: string): string {
  const at = normalized.indexOf("@");
  if (at >= 0) return normalized.slice(0, at);
  const colon = normalized.lastIndexOf(":");
  return colon > normalized.lastIndexOf("/") ? normalized.slice(0, colon) : normalized;
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** A simulated image: its ID and digest derived from its name, so that they are stable across runs. */
export function fakeImage(name: string): Image {
  const normalized = normalizeImageName(name);
  const digest = `sha256:${sha256(`digest:${normalized}`)}`;
  return {
    id: `sha256:${sha256(`id:${normalized}`)}`,
    repoTags: normalized.includes("@") ? [] : [normalized],
    repoDigests: [`${repository(normalized)}@${digest}`],
    size: 4_000_000,
  };
}
