/**
 * Stable made-up digests for image names (normalized as containerd's CRI does, image-names.ts),
 * so that a simulated node reports image and imageID as a real one would.
 */
import { createHash } from "node:crypto";
import type { Image } from "../mod.ts";
import { imageRepository, normalizeImageName } from "../image-names.ts";

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
    repoDigests: [`${imageRepository(normalized)}@${digest}`],
    size: 4_000_000,
  };
}
