/**
 * The CONTAINERS and IMAGES cells of workload tables (upstream's layoutContainerCells): the
 * names and the images of a pod template's containers, each joined by commas.
 */
interface Container {
  name?: unknown;
  image?: unknown;
}

/** `template` is a PodTemplateSpec ({metadata, spec}); missing parts give empty cells. */
export function containerCells(template: unknown): { names: string; images: string } {
  const containers = (template as { spec?: { containers?: unknown } } | undefined)?.spec?.containers;
  const list: Container[] = Array.isArray(containers) ? containers : [];
  return {
    names: list.map((c) => String(c?.name ?? "")).join(","),
    images: list.map((c) => String(c?.image ?? "")).join(","),
  };
}
