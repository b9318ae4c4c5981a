/**
 * PEM text <-> DER bytes (RFC 7468), the small part of @peculiar/x509's PemConverter that loading
 * keys and counting certificates needs, so that a restart does not load the x509 library.
 */

/** The DER of every PEM block in `text`, in order (any label). */
export function pemBlocks(text: string): Uint8Array<ArrayBuffer>[] {
  const blocks: Uint8Array<ArrayBuffer>[] = [];
  for (const match of text.matchAll(/-----BEGIN ([^\r\n-]*)-----([\s\S]*?)-----END \1-----/g)) {
    const base64 = match[2]!.replace(/\s+/g, "");
    blocks.push(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
  }
  return blocks;
}

/** One PEM block, base64 in 64-character lines, without a trailing newline. */
export function pemEncode(der: ArrayBuffer | Uint8Array, label: string): string {
  const bytes = der instanceof Uint8Array ? der : new Uint8Array(der);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  const lines = btoa(binary).match(/.{1,64}/g) ?? [];
  return [`-----BEGIN ${label}-----`, ...lines, `-----END ${label}-----`].join("\n");
}
