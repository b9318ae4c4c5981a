/**
 * The `yaml` library on first use: few requests ask for YAML (bodies sent or answers wanted as
 * application/yaml), so it is not loaded at startup (about 1 MiB of heap). `loadYaml()` imports
 * it once; `loadedYaml()` is the module once that has happened, for code that must stay
 * synchronous and whose callers loaded it before.
 */
type Yaml = typeof import("yaml");

let loaded: Yaml | undefined;
let loading: Promise<Yaml> | undefined;

export function loadYaml(): Promise<Yaml> {
  return (loading ??= import("yaml").then((m) => (loaded = m)));
}

export function loadedYaml(): Yaml | undefined {
  return loaded;
}
