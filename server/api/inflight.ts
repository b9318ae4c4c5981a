/**
 * Inflight request limits, as kube-apiserver's --max-requests-inflight (400) and
 * --max-mutating-requests-inflight (200): past them a request is answered at once with 429
 * TooManyRequests and Retry-After, instead of queueing without bound. Long-running requests
 * (watches, streams) hold no slot, as upstream exempts them.
 */
import { tooManyRequests } from "./status.ts";

export interface InflightLimits {
  readOnly: number;
  mutating: number;
}

export const DEFAULT_INFLIGHT: InflightLimits = { readOnly: 400, mutating: 200 };

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const LONG_RUNNING_SUBRESOURCES = /\/(log|exec|attach|portforward|proxy)(\/|$)/;

export function isLongRunning(method: string, url: URL): boolean {
  if (method === "GET" && (url.searchParams.get("watch") === "true" || url.searchParams.get("watch") === "1" || url.pathname.includes("/watch/"))) return true;
  return LONG_RUNNING_SUBRESOURCES.test(url.pathname);
}

export class InflightLimiter {
  readonly #limits: InflightLimits;
  #readOnly = 0;
  #mutating = 0;

  constructor(limits: InflightLimits = DEFAULT_INFLIGHT) {
    this.#limits = limits;
  }

  /** Takes a slot for the request (throws 429 when none is free); returns its release. */
  acquire(method: string, url: URL): () => void {
    if (isLongRunning(method, url)) return () => {};
    const mutating = MUTATING.has(method);
    if (mutating ? this.#mutating >= this.#limits.mutating : this.#readOnly >= this.#limits.readOnly) {
      throw tooManyRequests("Too many requests, please try again later.", 1);
    }
    if (mutating) this.#mutating++;
    else this.#readOnly++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (mutating) this.#mutating--;
      else this.#readOnly--;
    };
  }
}
