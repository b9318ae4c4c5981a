/**
 * A pod's resolv.conf as CRI's DNSConfig, after upstream's dns.Configurer.GetPodDNS:
 * ClusterFirst — the cluster DNS (--cluster-dns), searches `<ns>.svc.<domain> svc.<domain>
 * <domain>` then the host's, ndots:5; Default — the host's resolv.conf; None — only dnsConfig;
 * a host-network pod's ClusterFirst means Default (ClusterFirstWithHostNet keeps the cluster's).
 * dnsConfig's nameservers and searches are appended, its options override by name. Without a
 * cluster DNS configured, ClusterFirst falls back to Default, as upstream's kubelet does.
 */
import type { DNSConfig } from "../runtime/mod.ts";
import type { Pod } from "./types.ts";

export interface ClusterDns {
  servers: string[];
  domain: string;
  /** The host's resolv.conf, already read (an adapter reads the file). */
  hostResolvConf: string;
}

/** Upstream's limits (validation.MaxDNSSearchPaths, MaxDNSSearchListChars). */
const MAX_SEARCHES = 32;
const MAX_NAMESERVERS = 3;

export function parseResolvConf(text: string): DNSConfig {
  const out: DNSConfig = { servers: [], searches: [], options: [] };
  for (const raw of text.split("\n")) {
    const line = raw.replace(/[#;].*$/, "").trim();
    const [key, ...fields] = line.split(/\s+/);
    if (key === "nameserver" && fields[0]) out.servers.push(fields[0]);
    else if (key === "search" || key === "domain") out.searches = fields;
    else if (key === "options") out.options.push(...fields);
  }
  return out;
}

function mergeOptions(base: string[], extra: { name: string; value?: string }[]): string[] {
  const m = new Map<string, string>();
  for (const o of base) m.set(o.split(":")[0], o);
  for (const o of extra) m.set(o.name, o.value !== undefined ? `${o.name}:${o.value}` : o.name);
  return [...m.values()];
}

export function podDnsConfig(pod: Pod, cluster: ClusterDns): DNSConfig {
  const host = parseResolvConf(cluster.hostResolvConf);
  let policy = pod.spec.dnsPolicy ?? "ClusterFirst";
  if (policy === "ClusterFirst" && pod.spec.hostNetwork) policy = "Default";
  if (policy === "ClusterFirstWithHostNet") policy = "ClusterFirst";
  if (policy === "ClusterFirst" && cluster.servers.length === 0) policy = "Default";
  let config: DNSConfig;
  if (policy === "None") config = { servers: [], searches: [], options: [] };
  else if (policy === "Default") config = { servers: host.servers, searches: host.searches, options: host.options };
  else {
    const d = cluster.domain;
    const ns = pod.metadata.namespace;
    config = { servers: [...cluster.servers], searches: [`${ns}.svc.${d}`, `svc.${d}`, d, ...host.searches], options: ["ndots:5"] };
  }
  const extra = pod.spec.dnsConfig;
  if (extra) {
    config.servers = [...config.servers, ...(extra.nameservers ?? [])];
    config.searches = [...config.searches, ...(extra.searches ?? [])];
    config.options = mergeOptions(config.options, extra.options ?? []);
  }
  config.servers = [...new Set(config.servers)].slice(0, MAX_NAMESERVERS);
  config.searches = [...new Set(config.searches)].slice(0, MAX_SEARCHES);
  return config;
}
