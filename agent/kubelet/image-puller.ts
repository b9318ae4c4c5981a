/**
 * A pod's image pulls, as upstream's kubelet makes them before creating a container: the pull
 * policy decides whether the runtime's copy will do; a failed pull shows ErrImagePull for a moment,
 * then ImagePullBackOff until the back-off (shared with the node's other back-offs) lets it try
 * again; a missing image under `Never` is ErrImageNeverPull. Each step leaves the pod's events.
 * Credentials come from the pod's imagePullSecrets (pull-secrets.ts): each that matches the image
 * is tried in turn, as upstream does; with none, the pull goes without (registries.yaml's
 * credentials then apply in containerd).
 */
import type { Client } from "../../plugins/client.ts";
import type { AuthConfig, PodSandboxConfig, Runtime } from "../runtime/mod.ts";
import type { BackOff } from "./backoff.ts";
import type { KubeletEvents } from "./events.ts";
import type { WaitingReason } from "./pod-status.ts";
import { podKeyring } from "./pull-secrets.ts";
import { pullPolicy } from "./runtime-configs.ts";
import type { Pod, PodContainer } from "./types.ts";

/** The image is there; or the container waits, with this reason, until `retryAt` (epoch ms). */
export type ImageOutcome = { ready: true } | { ready: false; waiting: WaitingReason; retryAt: number };

/** How long a pod without its image under pull policy Never waits before looking again. */
const NEVER_PULL_RECHECK_MS = 20_000;
/** How long ErrImagePull shows before ImagePullBackOff takes over. */
const ERR_IMAGE_PULL_MS = 1_000;

export class ImagePuller {
  readonly #uid: string;
  readonly #runtime: Runtime;
  readonly #backOff: BackOff;
  readonly #events: KubeletEvents;
  readonly #client: Client;
  /** When each container's last pull failed (its back-off counts from there). */
  readonly #failedAt = new Map<string, number>();

  constructor(uid: string, runtime: Runtime, backOff: BackOff, events: KubeletEvents, client: Client) {
    this.#uid = uid;
    this.#client = client;
    this.#runtime = runtime;
    this.#backOff = backOff;
    this.#events = events;
  }

  async ensure(pod: Pod, c: PodContainer, sandboxConfig: PodSandboxConfig | undefined): Promise<ImageOutcome> {
    const image = c.image ?? "";
    const policy = pullPolicy(c);
    if (policy !== "Always" && (await this.#runtime.imageStatus({ image }))) {
      this.#events.event(pod, "Normal", "Pulled", `Container image "${image}" already present on machine`);
      return { ready: true };
    }
    if (policy === "Never") {
      const message = `Container image "${image}" is not present with pull policy of Never`;
      this.#events.event(pod, "Warning", "ErrImageNeverPull", message);
      return { ready: false, waiting: { reason: "ErrImageNeverPull", message }, retryAt: Date.now() + NEVER_PULL_RECHECK_MS };
    }
    const key = `${this.#uid}/pull/${c.name}`;
    const failedAt = this.#failedAt.get(c.name);
    const until = failedAt === undefined ? 0 : this.#backOff.waitUntil(key, failedAt);
    if (until > 0) {
      const message = `Back-off pulling image "${image}"`;
      this.#events.event(pod, "Normal", "BackOff", message);
      return { ready: false, waiting: { reason: "ImagePullBackOff", message }, retryAt: until };
    }
    const { keyring, missing } = await podKeyring(this.#client, pod);
    if (missing.length > 0) {
      this.#events.event(pod, "Warning", "FailedToRetrieveImagePullSecret", `Unable to retrieve some image pull secrets (${missing.join(", ")}); attempting to pull the image may not succeed.`);
    }
    this.#events.event(pod, "Normal", "Pulling", `Pulling image "${image}"`);
    const started = Date.now();
    try {
      await this.#pull(image, keyring.lookup(image), sandboxConfig);
    } catch (err) {
      const message = (err as Error).message;
      this.#backOff.next(key);
      this.#failedAt.set(c.name, Date.now());
      this.#events.event(pod, "Warning", "Failed", `Failed to pull image "${image}": ${message}`);
      return { ready: false, waiting: { reason: "ErrImagePull", message }, retryAt: Date.now() + ERR_IMAGE_PULL_MS };
    }
    this.#failedAt.delete(c.name);
    this.#events.event(pod, "Normal", "Pulled", `Successfully pulled image "${image}" in ${Date.now() - started}ms`);
    return { ready: true };
  }

  /** Pulls without credentials when there are none, else with each in turn until one works. */
  async #pull(image: string, credentials: AuthConfig[], sandboxConfig: PodSandboxConfig | undefined): Promise<void> {
    if (credentials.length === 0) {
      await this.#runtime.pullImage({ image }, undefined, sandboxConfig);
      return;
    }
    let last: unknown;
    for (const auth of credentials) {
      try {
        await this.#runtime.pullImage({ image }, auth, sandboxConfig);
        return;
      } catch (err) {
        last = err;
      }
    }
    throw last;
  }
}
