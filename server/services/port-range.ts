/**
 * --service-node-port-range as an allocation range, after upstream's net.PortRange: "30000-32767"
 * (inclusive) or "30000+2768" (base and size); a single port is a range of one.
 */
export interface PortRange {
  /** As upstream prints it in messages: "30000-32767". */
  text: string;
  base: number;
  size: number;
  /** The lower band kept for requested ports (KEP-3668): dynamic allocation takes it last. */
  staticSize: number;
  offsetOf(port: number): number | undefined;
  at(offset: number): number;
}

/** upstream's portallocator calculateRangeOffset: min(max(16, size/32), 128); 0 for tiny ranges. */
function staticBand(size: number): number {
  if (size <= 16) return 0;
  return Math.min(Math.max(16, Math.floor(size / 32)), 128);
}

export function parsePortRange(value: string): PortRange {
  const text = value.trim();
  const m = /^(\d+)(?:([-+])(\d+))?$/.exec(text);
  if (!m) throw new Error(`invalid port range: ${JSON.stringify(value)}`);
  const base = Number(m[1]);
  let size = 1;
  if (m[2] === "-") size = Number(m[3]) - base + 1;
  else if (m[2] === "+") size = Number(m[3]);
  const last = base + size - 1;
  if (base < 1 || size < 1 || last > 65535) throw new Error(`invalid port range: ${JSON.stringify(value)}`);
  return {
    text: `${base}-${last}`,
    base,
    size,
    staticSize: staticBand(size),
    offsetOf: (port) => (Number.isInteger(port) && port >= base && port <= last ? port - base : undefined),
    at: (offset) => base + offset,
  };
}
