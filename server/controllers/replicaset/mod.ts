/** The replicaset controller as a module of the controller manager. */
import type { ControllerModule } from "../types.ts";
import { ReplicaSetController } from "./controller.ts";

export const replicaSetControllerModule: ControllerModule = {
  name: "replicaset-controller",
  async start(ctx) {
    await new ReplicaSetController(ctx).start();
  },
};
