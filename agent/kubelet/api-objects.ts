/**
 * ConfigMaps, Secrets and ServiceAccount tokens as the kubelet reads them for env vars and
 * volumes, with Secret data decoded from base64. A node may only `get` what its pods reference
 * (the node authorizer), so these are single-object reads, not informers.
 */
import type { Client, KubeObject } from "../../plugins/client.ts";

export interface ConfigMapJson extends KubeObject {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

export interface SecretJson extends KubeObject {
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

/** The keys of a ConfigMap or Secret, as bytes. */
export type KeyBytes = Map<string, Uint8Array>;

export interface ApiObjects {
  /** The ConfigMap's keys (data and binaryData), or undefined when it does not exist. */
  configMap(namespace: string, name: string): Promise<KeyBytes | undefined>;
  /** The Secret's keys, decoded, or undefined when it does not exist. */
  secret(namespace: string, name: string): Promise<KeyBytes | undefined>;
}

const text = new TextEncoder();

function fromBase64(s: string): Uint8Array {
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

export function apiObjects(client: Client): ApiObjects {
  const configMaps = client.resource<ConfigMapJson>({ apiVersion: "v1", resource: "configmaps" });
  const secrets = client.resource<SecretJson>({ apiVersion: "v1", resource: "secrets" });
  return {
    async configMap(namespace, name) {
      const cm = await configMaps.get(name, namespace);
      if (!cm) return undefined;
      const out: KeyBytes = new Map();
      for (const [k, v] of Object.entries(cm.data ?? {})) out.set(k, text.encode(v));
      for (const [k, v] of Object.entries(cm.binaryData ?? {})) out.set(k, fromBase64(v));
      return out;
    },
    async secret(namespace, name) {
      const s = await secrets.get(name, namespace);
      if (!s) return undefined;
      const out: KeyBytes = new Map();
      for (const [k, v] of Object.entries(s.data ?? {})) out.set(k, fromBase64(v));
      for (const [k, v] of Object.entries(s.stringData ?? {})) out.set(k, text.encode(v));
      return out;
    },
  };
}
