/**
 * Errors of configuration and start-up. The CLI prints their message alone (no stack trace) and
 * exits 1: they are the user's to fix, and the message says what and where.
 */

/** A bad flag, environment variable, manifest value or plugin configuration. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** A plugin that could not be loaded or whose `setup` threw; startup stops. */
export class PluginStartError extends Error {
  override name = "PluginStartError";
  readonly plugin: string;
  constructor(plugin: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.plugin = plugin;
  }
}

/** True for errors whose message is meant for the user as it is. */
export function isUserFacingError(error: unknown): error is ConfigError | PluginStartError {
  return error instanceof ConfigError || error instanceof PluginStartError;
}
