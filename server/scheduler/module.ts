/**
 * The scheduler as a control-plane module: it runs while this server holds the controller
 * lease, with "default-scheduler" as its field manager and event source (as upstream's
 * kube-scheduler reports itself).
 */
import type { ControllerModule } from "../controllers/types.ts";
import { Scheduler } from "./scheduler.ts";

export const schedulerModule: ControllerModule = {
  name: "default-scheduler",
  async start(ctx) {
    const scheduler = new Scheduler({ client: ctx.client, log: ctx.log, events: ctx.events });
    await scheduler.start(ctx.signal);
  },
};
