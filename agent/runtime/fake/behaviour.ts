/**
 * How a simulated container behaves, read from annotations (so that tests and demos can inject
 * failures without a real image):
 *
 *   k3ts.io/fake-exit-code: "3"            every container of the pod exits with 3
 *   k3ts.io/fake-exit-code.<container>     the same, for one container
 *   k3ts.io/fake-run-seconds: "0.5"        how long containers run before they exit
 *   k3ts.io/fake-run-seconds.<container>
 *   k3ts.io/fake-image-pull-error: "msg"   pulls for this pod fail with this message
 *   k3ts.io/fake-ignore-sigterm: "true"    stopping takes the whole grace period (then exit 137)
 *
 * Whether a container runs to completion at all is the kubelet's to say (the container config's
 * k3ts.io/run-to-completion annotation: init containers, and pods whose restartPolicy is not
 * Always); a container with an injected exit code exits after its run time regardless.
 */
import { RUN_TO_COMPLETION_ANNOTATION } from "../mod.ts";

export const EXIT_CODE_ANNOTATION = "k3ts.io/fake-exit-code";
export const RUN_SECONDS_ANNOTATION = "k3ts.io/fake-run-seconds";
export const IMAGE_PULL_ERROR_ANNOTATION = "k3ts.io/fake-image-pull-error";
export const IGNORE_SIGTERM_ANNOTATION = "k3ts.io/fake-ignore-sigterm";

export interface ContainerBehaviour {
  /** Milliseconds after start at which the container exits; undefined: it runs until stopped. */
  exitAfterMs?: number;
  exitCode: number;
  ignoreSigterm: boolean;
}

function perContainer(annotations: Record<string, string>, key: string, container: string): string | undefined {
  return annotations[`${key}.${container}`] ?? annotations[key];
}

export function containerBehaviour(
  podAnnotations: Record<string, string>,
  containerAnnotations: Record<string, string>,
  container: string,
  defaultRunMs: number,
): ContainerBehaviour {
  const exitText = perContainer(podAnnotations, EXIT_CODE_ANNOTATION, container);
  const exitCode = exitText !== undefined && /^\d{1,3}$/.test(exitText.trim()) ? Number(exitText) : undefined;
  const secondsText = perContainer(podAnnotations, RUN_SECONDS_ANNOTATION, container);
  const seconds = secondsText !== undefined ? Number(secondsText) : NaN;
  const runMs = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : defaultRunMs;
  const completes = containerAnnotations[RUN_TO_COMPLETION_ANNOTATION] === "true" || exitCode !== undefined;
  return {
    exitAfterMs: completes ? runMs : undefined,
    exitCode: exitCode ?? 0,
    ignoreSigterm: podAnnotations[IGNORE_SIGTERM_ANNOTATION] === "true",
  };
}
