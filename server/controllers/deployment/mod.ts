/** The deployment controller as a module of the controller manager. */
import type { ControllerModule } from "../types.ts";
import { DeploymentController } from "./controller.ts";

export const deploymentControllerModule: ControllerModule = {
  name: "deployment-controller",
  async start(ctx) {
    await new DeploymentController(ctx).start();
  },
};
