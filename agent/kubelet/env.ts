/**
 * A container's environment, after upstream's makeEnvironmentVariables: envFrom sources first
 * (every key of a ConfigMap or Secret, with the prefix; keys that are not valid names skipped),
 * then `env` in order — plain values expanded with $(VAR) against what came before, valueFrom
 * resolved from the downward API, resources, ConfigMaps and Secrets. A later name replaces an
 * earlier one in place. A missing ConfigMap, Secret or key that is not optional is an error:
 * the container waits in CreateContainerConfigError until it appears.
 */
import type { KeyValue } from "../runtime/mod.ts";
import type { ApiObjects, KeyBytes } from "./api-objects.ts";
import { type FieldRef, fieldRefValue, type PodRuntimeFields, type ResourceFieldRef, resourceFieldRefValue } from "./downward-api.ts";
import { expand } from "./expansion.ts";
import type { Pod, PodContainer } from "./types.ts";

interface KeyRef {
  name?: string;
  key: string;
  optional?: boolean;
}

interface EnvVarSource {
  fieldRef?: FieldRef;
  resourceFieldRef?: ResourceFieldRef;
  configMapKeyRef?: KeyRef;
  secretKeyRef?: KeyRef;
}

/** Why a container's config could not be made: the pod worker shows it as CreateContainerConfigError. */
export class ContainerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ContainerConfigError";
  }
}

/** C_IDENTIFIER-ish: what upstream accepts as an env var name from envFrom (IsEnvVarName). */
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

const decoder = new TextDecoder();

export async function containerEnv(pod: Pod, container: PodContainer, objects: ApiObjects, rt: PodRuntimeFields): Promise<KeyValue[]> {
  const ns = pod.metadata.namespace!;
  const env = new Map<string, string>();
  const cache = new Map<string, Promise<KeyBytes | undefined>>();
  const fetch = (kind: "configmap" | "secret", name: string) => {
    const key = `${kind}/${name}`;
    let p = cache.get(key);
    if (!p) cache.set(key, (p = kind === "configmap" ? objects.configMap(ns, name) : objects.secret(ns, name)));
    return p;
  };

  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref) continue;
    const kind = from.configMapRef ? "configmap" : "secret";
    const data = await fetch(kind, ref.name);
    if (!data) {
      if (ref.optional) continue;
      throw new ContainerConfigError(`${kind} "${ref.name}" not found`);
    }
    for (const [k, v] of data) {
      const name = (from.prefix ?? "") + k;
      if (ENV_NAME.test(name)) env.set(name, decoder.decode(v));
    }
  }

  for (const e of container.env ?? []) {
    const source = e.valueFrom as EnvVarSource | undefined;
    if (!source) {
      env.set(e.name, expand(e.value ?? "", (n) => env.get(n)));
      continue;
    }
    if (source.fieldRef) env.set(e.name, fieldRefValue(pod, source.fieldRef, rt));
    else if (source.resourceFieldRef) env.set(e.name, resourceFieldRefValue(pod, source.resourceFieldRef, container.name, rt));
    else {
      const ref = source.configMapKeyRef ?? source.secretKeyRef;
      if (!ref) continue;
      const kind = source.configMapKeyRef ? "configmap" : "secret";
      const data = await fetch(kind, ref.name ?? "");
      const value = data?.get(ref.key);
      if (value === undefined) {
        if (ref.optional) continue;
        throw new ContainerConfigError(data ? `couldn't find key ${ref.key} in ${kind === "configmap" ? "ConfigMap" : "Secret"} ${ns}/${ref.name}` : `${kind} "${ref.name}" not found`);
      }
      env.set(e.name, decoder.decode(value));
    }
  }
  return [...env].map(([key, value]) => ({ key, value }));
}

/** The command and args with $(VAR) expanded against the container's environment. */
export function expandCommand(list: string[] | undefined, env: KeyValue[]): string[] | undefined {
  if (!list) return undefined;
  const m = new Map(env.map((e) => [e.key, e.value]));
  return list.map((s) => expand(s, (n) => m.get(n)));
}
