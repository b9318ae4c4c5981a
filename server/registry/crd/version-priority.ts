/**
 * Kube-aware version ordering (apimachinery version.CompareKubeAwareVersionStrings), which
 * decides a CRD group's preferred version in discovery: GA before beta before alpha, higher
 * numbers first; versions that do not look like `v1`, `v2beta1` sort last, alphabetically.
 */
const KUBE_VERSION = /^v(\d+)(?:(alpha|beta)(\d+))?$/;

function rank(v: string): [number, number, number] | undefined {
  const m = KUBE_VERSION.exec(v);
  if (!m) return undefined;
  const stability = m[2] === undefined ? 3 : m[2] === "beta" ? 2 : 1;
  return [stability, Number(m[1]), m[3] === undefined ? 0 : Number(m[3])];
}

export function compareKubeVersions(a: string, b: string): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra && rb) {
    for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return rb[i] - ra[i];
    return 0;
  }
  if (ra) return -1;
  if (rb) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortVersions(versions: readonly string[]): string[] {
  return [...versions].sort(compareKubeVersions);
}
