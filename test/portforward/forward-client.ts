/**
 * The client side of a port-forward test: a real `kubectl port-forward` bound to 127.0.0.1 with a
 * local port of kubectl's choice, and one bounded HTTP GET to that loopback port.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { request } from "node:http";

export interface Forward {
  localPort: number;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `kubectl port-forward --address 127.0.0.1 ARGS`; resolves once it listens (within 20 s). */
export function startPortForward(kubectlArgs: string[], env: Record<string, string | undefined>): Promise<Forward> {
  const child = spawn("kubectl", ["port-forward", "--address", "127.0.0.1", ...kubectlArgs], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const stop = () => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => (clearTimeout(timer), resolve()));
    child.kill("SIGTERM");
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGTERM");
      reject(new Error(`kubectl port-forward did not start within 20 s: ${output}`));
    }, 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /Forwarding from 127\.0\.0\.1:(\d+) ->/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({ localPort: Number(m[1]), child, output: () => output, stop });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`kubectl port-forward exited with ${code}: ${output}`));
    });
  });
}

/** One HTTP GET to 127.0.0.1:port (loopback only), bounded by a 10 s timeout. */
export function httpGet(port: number, path = "/"): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, timeout: 10_000, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end();
  });
}
