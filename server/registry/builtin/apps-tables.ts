/**
 * The apps/v1 tables kubectl prints (pkg/printers/internalversion/printers.go): columns, their
 * types and descriptions, and the cells. The server always fills the wide (priority 1) cells;
 * kubectl shows them with `-o wide`.
 */
import type { KubeObject } from "../../storage/object.ts";
import { containerCells } from "./container-cells.ts";
import type { ColumnSpec } from "./define.ts";
import { formatLabels } from "./format-labels.ts";
import { formatLabelSelector, selectorText } from "./selector-text.ts";

type Obj = Record<string, unknown>;
const spec = (o: KubeObject): Obj => (o.spec ?? {}) as Obj;
const status = (o: KubeObject): Obj => (o.status ?? {}) as Obj;
const int = (v: unknown): number => (typeof v === "number" ? v : 0);

const CONTAINERS = "Names of each container in the template.";
const IMAGES = "Images referenced by each container in the template.";

/** CONTAINERS, IMAGES and (unless `withSelector` is false) SELECTOR, all wide-only. */
function wideTemplateColumns(selectorDescription: string | undefined, selector: (o: KubeObject) => string = (o) => formatLabelSelector(spec(o).selector)): ColumnSpec[] {
  const columns: ColumnSpec[] = [
    { name: "Containers", priority: 1, description: CONTAINERS, cell: (o) => containerCells(spec(o).template).names },
    { name: "Images", priority: 1, description: IMAGES, cell: (o) => containerCells(spec(o).template).images },
  ];
  if (selectorDescription !== undefined) columns.push({ name: "Selector", priority: 1, description: selectorDescription, cell: selector });
  return columns;
}

export const deploymentColumns: ColumnSpec[] = [
  { name: "Ready", description: "Number of the pod with ready state", cell: (o) => `${int(status(o).readyReplicas)}/${int(spec(o).replicas)}` },
  { name: "Up-to-date", description: "Total number of non-terminated pods targeted by this deployment that have the desired template spec.", cell: (o) => int(status(o).updatedReplicas) },
  { name: "Available", description: "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.", cell: (o) => int(status(o).availableReplicas) },
];
// Deployments print the plain selector string ("" when empty, "<invalid>" when bad).
export const deploymentWideColumns = wideTemplateColumns("Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.", (o) => selectorText(spec(o).selector) ?? "<invalid>");

export const replicaSetColumns: ColumnSpec[] = [
  { name: "Desired", type: "integer", description: "Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller", cell: (o) => int(spec(o).replicas) },
  { name: "Current", type: "integer", description: "Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller", cell: (o) => int(status(o).replicas) },
  { name: "Ready", type: "integer", description: "The number of ready replicas for this replica set.", cell: (o) => int(status(o).readyReplicas) },
];
export const replicaSetWideColumns = wideTemplateColumns("Selector is a label query over pods that should match the replica count. Label keys and values that must match in order to be controlled by this replica set. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors");

export const statefulSetColumns: ColumnSpec[] = [
  { name: "Ready", description: "Number of the pod with ready state", cell: (o) => `${int(status(o).readyReplicas)}/${int(spec(o).replicas)}` },
];
export const statefulSetWideColumns = wideTemplateColumns(undefined);

export const daemonSetColumns: ColumnSpec[] = [
  { name: "Desired", type: "integer", description: "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/", cell: (o) => int(status(o).desiredNumberScheduled) },
  { name: "Current", type: "integer", description: "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/", cell: (o) => int(status(o).currentNumberScheduled) },
  { name: "Ready", type: "integer", description: "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.", cell: (o) => int(status(o).numberReady) },
  { name: "Up-to-date", type: "integer", description: "The total number of nodes that are running updated daemon pod", cell: (o) => int(status(o).updatedNumberScheduled) },
  { name: "Available", type: "integer", description: "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)", cell: (o) => int(status(o).numberAvailable) },
  {
    name: "Node Selector",
    description: "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/",
    cell: (o) => formatLabels((spec(o).template as { spec?: { nodeSelector?: Record<string, string> } } | undefined)?.spec?.nodeSelector),
  },
];
export const daemonSetWideColumns = wideTemplateColumns("A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors");

interface OwnerReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
  controller?: boolean;
}

/** `statefulset.apps/web`: the controller owner as kind.group/name, "<none>" without one. */
export function controllerOf(o: KubeObject): string {
  const refs = (o.metadata.ownerReferences ?? []) as OwnerReference[];
  const ref = refs.find((r) => r.controller === true);
  if (!ref) return "<none>";
  const apiVersion = ref.apiVersion ?? "";
  const group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
  const kind = (ref.kind ?? "").toLowerCase();
  if (!kind) return ref.name ?? "";
  return `${group ? `${kind}.${group}` : kind}/${ref.name ?? ""}`;
}

export const controllerRevisionColumns: ColumnSpec[] = [
  { name: "Controller", description: "Controller of the object", cell: controllerOf },
  { name: "Revision", description: "Revision indicates the revision of the state represented by Data.", cell: (o) => int(o.revision) },
];
