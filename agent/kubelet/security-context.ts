/**
 * A container's securityContext (over the pod's) as CRI's Linux security context, after
 * upstream's determineEffectiveSecurityContext and convertToRuntimeSecurityContext: the
 * container's runAsUser/runAsGroup/runAsNonRoot win over the pod's; allowPrivilegeEscalation
 * false sets no_new_privs; fsGroup and supplementalGroups become supplemental groups.
 * runAsNonRoot is checked here, as the kubelet's verifyRunAsNonRoot does: our images carry no
 * user, so a container that does not set a non-zero runAsUser would run as root and is refused.
 */
import type { ContainerConfig } from "../runtime/mod.ts";
import { ContainerConfigError } from "./env.ts";
import type { Pod, PodContainer } from "./types.ts";

type LinuxSecurityContext = NonNullable<NonNullable<ContainerConfig["linux"]>["securityContext"]>;

export function linuxSecurityContext(pod: Pod, container: PodContainer): LinuxSecurityContext {
  const podSc = pod.spec.securityContext ?? {};
  const sc = container.securityContext ?? {};
  const runAsUser = sc.runAsUser ?? podSc.runAsUser;
  const runAsGroup = sc.runAsGroup ?? podSc.runAsGroup;
  const runAsNonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
  if (runAsNonRoot) {
    if (runAsUser === undefined) throw new ContainerConfigError("container has runAsNonRoot and image will run as root (pod: \"" + pod.metadata.name + "\", container: " + container.name + ")");
    if (runAsUser === 0) throw new ContainerConfigError("container's runAsUser breaks non-root policy (pod: \"" + pod.metadata.name + "\", container: " + container.name + ")");
  }
  const out: LinuxSecurityContext = {};
  if (runAsUser !== undefined) out.runAsUser = runAsUser;
  if (runAsGroup !== undefined) out.runAsGroup = runAsGroup;
  if (sc.readOnlyRootFilesystem) out.readonlyRootfs = true;
  if (sc.privileged) out.privileged = true;
  if (sc.capabilities) out.capabilities = { addCapabilities: sc.capabilities.add ?? [], dropCapabilities: sc.capabilities.drop ?? [] };
  // Upstream's default is to allow escalation; only an explicit false (and not privileged) sets no_new_privs.
  if (sc.allowPrivilegeEscalation === false && !sc.privileged) out.noNewPrivs = true;
  const groups = [...(podSc.fsGroup !== undefined ? [podSc.fsGroup] : []), ...(podSc.supplementalGroups ?? [])];
  if (groups.length) out.supplementalGroups = [...new Set(groups)];
  return out;
}
