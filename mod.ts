/**
 * k3ts's public face for plugin authors and embedders: the plugin contract, the module
 * families' contracts, and the errors they share.
 */
export { definePlugin } from "./plugins/mod.ts";
export type { Logger, LogLevel, PluginContext, PluginDefinition, PluginInstance } from "./plugins/mod.ts";
export { createLogger, silentLogger } from "./plugins/logger.ts";
export * from "./datastore/mod.ts";
export type {
  Client,
  ClientError,
  DeleteOptions,
  Informer,
  InformerHandlers,
  InformerOptions,
  KubeObject,
  ListOptions as ClientListOptions,
  ObjectList,
  PatchOptions,
  PatchType,
  ResourceClient,
  ResourceType,
  WatchEvent as ClientWatchEvent,
  WatchOptions as ClientWatchOptions,
  WriteOptions,
} from "./plugins/client.ts";
export { isClientError } from "./plugins/client.ts";
export { Controller, type ControllerOptions, objectKey, type ReconcileResult, splitKey } from "./plugins/kit/controller.ts";
export { WorkQueue } from "./plugins/kit/workqueue.ts";
export { LeaderElector, type LeaderElectionOptions } from "./plugins/kit/leader-election.ts";
export { type RateLimitOptions, RetryRateLimiter } from "./plugins/kit/rate-limit.ts";
