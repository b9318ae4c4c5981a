/**
 * Image names as containerd's CRI normalizes them: docker.io/library/ for bare names, docker.io/
 * for names whose first part is not a host (no "." or ":", not localhost), :latest when there is
 * neither tag nor digest.
 */

/** `busybox` → `docker.io/library/busybox:latest`; `127.0.0.1:5000/x:1` stays as it is. */
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

/** A normalized name without its tag or digest: `docker.io/library/busybox`. */
export function imageRepository(normalized: string): string {
  const at = normalized.indexOf("@");
  if (at >= 0) return normalized.slice(0, at);
  const colon = normalized.lastIndexOf(":");
  return colon > normalized.lastIndexOf("/") ? normalized.slice(0, colon) : normalized;
}
