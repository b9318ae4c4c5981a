/**
 * The `kubernetes` Service in `default`, as kube-apiserver keeps it (pkg/controlplane/
 * controller/kubernetesservice and the endpoints reconciler): ClusterIP the first address of the
 * service CIDR, port 443 "https" to the server's port, no selector, and an Endpoints and an
 * EndpointSlice (written here, not by the controllers, which skip Services without a selector)
 * that point at this server. Checked at start and every few seconds, so that a deleted or
 * edited one comes back.
 */
import type { Client, KubeObject } from "../../plugins/client.ts";
import { isClientError } from "../../plugins/client.ts";

export interface KubernetesServiceOptions {
  client: Client;
  /** 10.43.0.1 for 10.43.0.0/16. */
  clusterIP: string;
  /** Where clients reach this server (an address of this host) and its port. */
  address: string;
  port: number;
}

const SERVICES = { apiVersion: "v1", resource: "services" };
const ENDPOINTS = { apiVersion: "v1", resource: "endpoints" };
const SLICES = { apiVersion: "discovery.k8s.io/v1", resource: "endpointslices" };
const NAME = "kubernetes";
const NAMESPACE = "default";

export async function ensureKubernetesService(o: KubernetesServiceOptions): Promise<void> {
  await ensureService(o);
  await ensureEndpoints(o);
  await ensureSlice(o);
}

async function createIgnoringExists(client: Client, type: { apiVersion: string; resource: string }, object: KubeObject): Promise<void> {
  try {
    await client.resource(type).create(object);
  } catch (err) {
    if (!isClientError(err, 409)) throw err;
  }
}

async function ensureService(o: KubernetesServiceOptions): Promise<void> {
  const services = o.client.resource(SERVICES);
  const ports = [{ name: "https", port: 443, protocol: "TCP", targetPort: o.port }];
  const current = await services.get(NAME, NAMESPACE);
  if (!current) {
    await createIgnoringExists(o.client, SERVICES, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: NAME, namespace: NAMESPACE, labels: { component: "apiserver", provider: "kubernetes" } },
      spec: { type: "ClusterIP", clusterIP: o.clusterIP, clusterIPs: [o.clusterIP], ports, sessionAffinity: "None" },
    });
    return;
  }
  // Upstream reconciles the ports (a changed --secure-port) and leaves the rest alone.
  const spec = (current.spec ?? {}) as { ports?: unknown };
  if (JSON.stringify(spec.ports) !== JSON.stringify(ports)) {
    await services.patch(NAME, { spec: { ports } }, { type: "merge", namespace: NAMESPACE });
  }
}

async function ensureEndpoints(o: KubernetesServiceOptions): Promise<void> {
  const endpoints = o.client.resource(ENDPOINTS);
  const subsets = [{ addresses: [{ ip: o.address }], ports: [{ name: "https", port: o.port, protocol: "TCP" }] }];
  const labels = { "endpointslice.kubernetes.io/skip-mirror": "true" };
  const current = await endpoints.get(NAME, NAMESPACE);
  if (!current) {
    await createIgnoringExists(o.client, ENDPOINTS, { apiVersion: "v1", kind: "Endpoints", metadata: { name: NAME, namespace: NAMESPACE, labels }, subsets });
  } else if (JSON.stringify(current.subsets) !== JSON.stringify(subsets)) {
    await endpoints.update({ ...current, metadata: { ...current.metadata, labels: { ...current.metadata.labels, ...labels } }, subsets });
  }
}

async function ensureSlice(o: KubernetesServiceOptions): Promise<void> {
  const slices = o.client.resource(SLICES);
  const addressType = o.address.includes(":") ? "IPv6" : "IPv4";
  const wanted = {
    addressType,
    endpoints: [{ addresses: [o.address], conditions: { ready: true } }],
    ports: [{ name: "https", port: o.port, protocol: "TCP" }],
  };
  const labels = { "kubernetes.io/service-name": NAME };
  const current = await slices.get(NAME, NAMESPACE);
  if (!current) {
    await createIgnoringExists(o.client, SLICES, { apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { name: NAME, namespace: NAMESPACE, labels }, ...wanted });
  } else if (JSON.stringify({ addressType: current.addressType, endpoints: current.endpoints, ports: current.ports }) !== JSON.stringify(wanted)) {
    if (current.addressType !== addressType) {
      await slices.delete(NAME, NAMESPACE);
      await createIgnoringExists(o.client, SLICES, { apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { name: NAME, namespace: NAMESPACE, labels }, ...wanted });
    } else {
      await slices.update({ ...current, ...wanted });
    }
  }
}

/** The address the `kubernetes` endpoints advertise: a non-loopback IPv4 of this host if any. */
export function advertiseAddress(bindAddress: string, addresses: string[] = []): string {
  const usable = addresses.filter((a) => !a.startsWith("127.") && a !== "::1" && !a.toLowerCase().startsWith("fe80:"));
  const v4 = usable.find((a) => !a.includes(":"));
  if (v4) return v4;
  if (bindAddress && bindAddress !== "0.0.0.0" && bindAddress !== "::") return bindAddress;
  return usable[0] ?? "127.0.0.1";
}
