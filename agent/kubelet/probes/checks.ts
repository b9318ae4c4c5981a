/**
 * One probe or lifecycle action, run once (upstream's prober.runProbe and its exec, http and
 * tcp probers): exec — the command in the container, exit 0 passes; httpGet — a GET to the pod
 * IP (or host), 200-399 passes, redirects are not followed (a 3xx passes as upstream counts it);
 * tcpSocket — a connection opens. Each is bounded by its timeout. HTTP and TCP go through
 * node:http, node:https (probes do not verify certificates) and node:net: the agent's adapters.
 */
import type { request as httpRequestFn } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect } from "node:net";
import type { Runtime } from "../../runtime/mod.ts";
import type { HttpGetAction, PodContainer } from "../types.ts";

export interface CheckResult {
  ok: boolean;
  /** Why it failed, for events. */
  output?: string;
}

export interface CheckTarget {
  runtime: Runtime;
  container: PodContainer;
  containerId: string;
  podIP?: string;
}

/** A port by number, or by the name of one of the container's ports. */
export function resolvePort(port: number | string, container: PodContainer): number {
  if (typeof port === "number") return port;
  if (/^\d+$/.test(port)) return Number(port);
  const named = container.ports?.find((p) => p.name === port);
  if (!named) throw new Error(`port ${JSON.stringify(port)} not found in container ${container.name}`);
  return named.containerPort;
}

export async function execCheck(t: CheckTarget, command: string[], timeoutSeconds: number): Promise<CheckResult> {
  try {
    const r = await t.runtime.execSync(t.containerId, command, timeoutSeconds);
    if (r.exitCode === 0) return { ok: true };
    const output = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
    return { ok: false, output: `command ${JSON.stringify(command)} exited with ${r.exitCode}: ${output.trim()}`.slice(0, 1024) };
  } catch (err) {
    return { ok: false, output: `command ${JSON.stringify(command)} failed: ${(err as Error).message}` };
  }
}

/**
 * node:http, loaded by the first HTTP probe: its ES module facade reads every export, and the
 * lazy WebSocket, MessageEvent and CloseEvent among them load undici, http2 and perf_hooks —
 * 13 MiB of RSS that an agent without HTTP probes does not need.
 */
let httpRequest: typeof httpRequestFn | undefined;

export async function httpCheck(t: CheckTarget, action: HttpGetAction, timeoutSeconds: number): Promise<CheckResult> {
  const https = (action.scheme ?? "HTTP").toUpperCase() === "HTTPS";
  if (!https) httpRequest ??= (await import("node:http")).request;
  return new Promise((resolve) => {
    let port: number;
    try {
      port = resolvePort(action.port, t.container);
    } catch (err) {
      return resolve({ ok: false, output: (err as Error).message });
    }
    const host = action.host || t.podIP;
    if (!host) return resolve({ ok: false, output: "the pod has no IP yet" });
    const path = action.path ? (action.path.startsWith("/") ? action.path : `/${action.path}`) : "/";
    const headers: Record<string, string> = { "user-agent": "kube-probe/1.32", accept: "*/*" };
    for (const h of action.httpHeaders ?? []) headers[h.name.toLowerCase()] = h.value;
    const options = { host, port, path, method: "GET", headers, timeout: timeoutSeconds * 1000, ...(https ? { rejectUnauthorized: false } : {}) };
    const req = (https ? httpsRequest : httpRequest!)(options, (res) => {
      const code = res.statusCode ?? 0;
      res.resume();
      resolve(code >= 200 && code < 400 ? { ok: true } : { ok: false, output: `HTTP probe failed with statuscode: ${code}` });
    });
    req.on("timeout", () => req.destroy(new Error(`Get "${https ? "https" : "http"}://${host}:${port}${path}": context deadline exceeded`)));
    req.on("error", (err) => resolve({ ok: false, output: err.message }));
    req.end();
  });
}

export function tcpCheck(t: CheckTarget, action: { port: number | string; host?: string }, timeoutSeconds: number): Promise<CheckResult> {
  return new Promise((resolve) => {
    let port: number;
    try {
      port = resolvePort(action.port, t.container);
    } catch (err) {
      return resolve({ ok: false, output: (err as Error).message });
    }
    const host = action.host || t.podIP;
    if (!host) return resolve({ ok: false, output: "the pod has no IP yet" });
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ ok: false, output: `dial tcp ${host}:${port}: i/o timeout` });
    }, timeoutSeconds * 1000);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok: true });
    });
    socket.once("error", (err) => {
      clearTimeout(timer);
      resolve({ ok: false, output: err.message });
    });
  });
}
