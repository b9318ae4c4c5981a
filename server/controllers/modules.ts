/**
 * Every controller module of the control plane, in start order. Each is a file (or folder) of
 * its own in server/controllers/ exporting a ControllerModule.
 */
import { schedulerModule } from "../scheduler/module.ts";
import { eventTtlController } from "./event-ttl.ts";
import { garbageCollectorController } from "./garbage-collector/mod.ts";
import { nodeIpamController } from "./node-ipam.ts";
import { nodeLifecycleController } from "./node-lifecycle/mod.ts";
import { nodePasswordCleanupController } from "./node-password-cleanup.ts";
import { podGcController } from "./pod-gc.ts";
import { rootCaPublisher } from "./root-ca-publisher.ts";
import { serviceAccountController } from "./serviceaccount.ts";
import type { ControllerModule } from "./types.ts";
import { endpointSliceController } from "./endpointslice/mod.ts";
import { endpointsController } from "./endpoints.ts";
import { jobControllerModule } from "./job/module.ts";
import { ttlAfterFinishedModule } from "./job/ttl-after-finished.ts";
import { cronJobControllerModule } from "./cronjob/module.ts";
import { daemonSetControllerModule } from "./daemonset/module.ts";
import { replicaSetControllerModule } from "./replicaset/mod.ts";
import { deploymentControllerModule } from "./deployment/mod.ts";
import { statefulSetControllerModule } from "./statefulset/mod.ts";

export const CONTROLLER_MODULES: readonly ControllerModule[] = [
  schedulerModule,
  serviceAccountController,
  rootCaPublisher,
  garbageCollectorController,
  nodeIpamController,
  nodeLifecycleController,
  nodePasswordCleanupController,
  podGcController,
  eventTtlController,
  jobControllerModule,
  ttlAfterFinishedModule,
  cronJobControllerModule,
  daemonSetControllerModule,
  replicaSetControllerModule,
  deploymentControllerModule,
  statefulSetControllerModule,
  endpointSliceController(),
  endpointsController(),
];
