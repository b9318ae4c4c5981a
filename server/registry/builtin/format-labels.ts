/**
 * labels.FormatLabels as table cells print a label map (a Service's SELECTOR, a pod
 * template's POD LABELS): sorted key=value pairs joined by commas, or "<none>".
 */
export function formatLabels(labels: Record<string, string> | undefined | null): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return "<none>";
  return keys.map((k) => `${k}=${labels![k]}`).join(",");
}
