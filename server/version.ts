/**
 * What /version reports: the Kubernetes API version k3ts serves (kubectl compares minor
 * versions for its skew warning), with k3ts's own version as build metadata, as k3s does
 * (v1.32.x+k3s1).
 */
import type { VersionInfo } from "./api/app.ts";

export const KUBERNETES_VERSION = { major: "1", minor: "32", patch: "0" };

export function versionInfo(k3tsVersion: string, runtime: string, platform: string): VersionInfo {
  return {
    major: KUBERNETES_VERSION.major,
    minor: KUBERNETES_VERSION.minor,
    gitVersion: `v${KUBERNETES_VERSION.major}.${KUBERNETES_VERSION.minor}.${KUBERNETES_VERSION.patch}+k3ts-${k3tsVersion}`,
    gitCommit: "",
    gitTreeState: "clean",
    buildDate: "",
    goVersion: runtime,
    compiler: "k3ts",
    platform,
  };
}
