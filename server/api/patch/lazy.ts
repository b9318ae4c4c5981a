/**
 * The JSON patch (rfc6902) and strategic merge patch engines on the first patch of their type,
 * not at startup. (Merge patch is a few lines; server-side apply's field tracking runs on every
 * write, so both stay static imports.)
 */
let jsonPatch: Promise<typeof import("./json-patch.ts")> | undefined;
let strategicMerge: Promise<typeof import("./strategic-merge.ts")> | undefined;

export function loadJsonPatch(): Promise<typeof import("./json-patch.ts")> {
  return (jsonPatch ??= import("./json-patch.ts"));
}

export function loadStrategicMerge(): Promise<typeof import("./strategic-merge.ts")> {
  return (strategicMerge ??= import("./strategic-merge.ts"));
}
