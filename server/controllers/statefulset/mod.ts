/** The statefulset controller as a module of the controller manager. */
import type { ControllerModule } from "../types.ts";
import { StatefulSetController } from "./controller.ts";

export const statefulSetControllerModule: ControllerModule = {
  name: "statefulset-controller",
  async start(ctx) {
    await new StatefulSetController(ctx).start();
  },
};
