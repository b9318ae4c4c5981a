/**
 * Events: core/v1 Event and events.k8s.io/v1 Event, one storage (core events), as upstream
 * serves them. The two versions name fields differently (message/note,
 * involvedObject/regarding, source/deprecatedSource, ...). Upstream converts on read through
 * its internal type; a ResourceDefinition has no read hook, so each write stores both names of
 * every pair, taken from the names of the API it came through. A client of either API reads
 * its own fields (and, in full output, the other API's as well: the known gap of this scheme).
 *
 * Not yet: the one-hour TTL upstream gives events (a cleanup controller's job here).
 */
import type { StatusCause } from "../../api/status.ts";
import { age } from "../../api/human-duration.ts";
import type { KubeObject } from "../../storage/object.ts";
import { invalidValue, required } from "../validation/field-errors.ts";
import { dns1123Subdomain, pathSegmentName, qualifiedNameProblems } from "../validation/names.ts";
import type { ResourceDefinition, TableDefinition } from "../types.ts";
import { defineKind } from "./define.ts";

/** [core/v1 name, events.k8s.io/v1 name]; the other fields have the same name in both. */
export const EVENT_FIELD_PAIRS: ReadonlyArray<readonly [string, string]> = [
  ["message", "note"],
  ["involvedObject", "regarding"],
  ["source", "deprecatedSource"],
  ["firstTimestamp", "deprecatedFirstTimestamp"],
  ["lastTimestamp", "deprecatedLastTimestamp"],
  ["count", "deprecatedCount"],
  ["reportingComponent", "reportingController"],
];

/** Copies each pair from the side the writer's API names to the other side. */
function mirror(event: KubeObject, from: 0 | 1): void {
  for (const pair of EVENT_FIELD_PAIRS) {
    const source = pair[from];
    const target = pair[1 - from];
    if (event[source] === undefined) delete event[target];
    else event[target] = structuredClone(event[source]);
  }
}

const REPORTING_INSTANCE_LIMIT = 128;
const ACTION_LIMIT = 128;
const REASON_LIMIT = 128;
const NOTE_LIMIT = 1024;

type Obj = Record<string, unknown>;
const str = (v: unknown) => (typeof v === "string" ? v : "");

/**
 * legacyValidateEvent: old-style events (no eventTime) must sit in their object's namespace
 * (or default, for cluster-scoped objects); new-style ones need the reporting fields.
 * `controllerField` is how the request's API names reportingController.
 */
function legacyValidate(event: KubeObject, controllerField: string): StatusCause[] {
  const out: StatusCause[] = [];
  const ns = event.metadata.namespace ?? "";
  const involved = (event.involvedObject ?? {}) as Obj;
  const involvedNs = str(involved.namespace);
  if (!event.eventTime) {
    if (involvedNs === "" ? ns !== "" && ns !== "default" : ns !== involvedNs) {
      out.push(invalidValue("involvedObject.namespace", involvedNs, "does not match event.namespace"));
    }
  } else {
    if (involvedNs === "" && ns !== "default" && ns !== "kube-system") out.push(invalidValue("involvedObject.namespace", involvedNs, "does not match event.namespace"));
    out.push(...reportingChecks(event, controllerField));
  }
  for (const m of dns1123Subdomain(ns)) out.push(invalidValue("namespace", ns, m));
  return out;
}

function reportingChecks(event: KubeObject, controllerField: string): StatusCause[] {
  const out: StatusCause[] = [];
  const controller = str(event.reportingComponent);
  if (!controller) out.push(required(controllerField));
  else for (const m of qualifiedNameProblems(controller)) out.push(invalidValue(controllerField, controller, m));
  const instance = str(event.reportingInstance);
  if (!instance) out.push(required("reportingInstance"));
  if (instance.length > REPORTING_INSTANCE_LIMIT) out.push(invalidValue("reportingInstance", "", `can have at most ${REPORTING_INSTANCE_LIMIT} characters`));
  const action = str(event.action);
  if (!action) out.push(required("action"));
  if (action.length > ACTION_LIMIT) out.push(invalidValue("action", "", `can have at most ${ACTION_LIMIT} characters`));
  const reason = str(event.reason);
  if (!reason) out.push(required("reason"));
  if (reason.length > REASON_LIMIT) out.push(invalidValue("reason", "", `can have at most ${REASON_LIMIT} characters`));
  if (str(event.message).length > NOTE_LIMIT) out.push(invalidValue("message", "", `can have at most ${NOTE_LIMIT} characters`));
  return out;
}

/** ValidateEventCreate for events.k8s.io/v1: the strict rules on top of the legacy ones. */
function validateEventsV1(event: KubeObject): StatusCause[] {
  const out = legacyValidate(event, "reportingController");
  if (!event.eventTime) {
    out.push(required("eventTime"));
    out.push(...reportingChecks(event, "reportingController"));
  }
  if (event.type !== "Normal" && event.type !== "Warning") out.push(invalidValue("type", "", `has invalid value: ${str(event.type)}`));
  if (event.firstTimestamp) out.push(invalidValue("deprecatedFirstTimestamp", "", "needs to be unset"));
  if (event.lastTimestamp) out.push(invalidValue("deprecatedLastTimestamp", "", "needs to be unset"));
  if (event.count) out.push(invalidValue("deprecatedCount", "", "needs to be unset"));
  const source = (event.source ?? {}) as Obj;
  if (source.component || source.host) out.push(invalidValue("deprecatedSource", "", "needs to be unset"));
  const series = event.series as Obj | undefined;
  if (series) {
    if (typeof series.count !== "number" || series.count < 2) out.push(invalidValue("series.count", "", "should be at least 2"));
    if (!series.lastObservedTime) out.push(required("series.lastObservedTime"));
  }
  return out;
}

interface EventView {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  eventTime?: string;
  firstTimestamp?: string;
  lastTimestamp?: string;
  series?: { count?: number; lastObservedTime?: string };
  involvedObject?: { kind?: string; name?: string; fieldPath?: string };
  source?: { component?: string; host?: string };
  reportingComponent?: string;
  reportingInstance?: string;
}

const since = (t: string | undefined) => (t ? age(t) : "<unknown>");

/** The cells of upstream's printEvent, wide, in column order. */
export function eventCells(object: KubeObject): unknown[] {
  const e = object as unknown as EventView;
  const first = e.firstTimestamp ? since(e.firstTimestamp) : since(e.eventTime);
  let last = e.lastTimestamp ? since(e.lastTimestamp) : first;
  let count = e.count ?? 0;
  if (e.series) {
    last = since(e.series.lastObservedTime);
    count = e.series.count ?? 0;
  } else if (count === 0) count = 1;
  const kind = (e.involvedObject?.kind ?? "").toLowerCase();
  const target = e.involvedObject?.name ? `${kind}/${e.involvedObject.name}` : kind;
  const component = e.source?.component || e.reportingComponent || "";
  const instance = e.source?.host || e.reportingInstance || "";
  const source = instance ? `${component}, ${instance}` : component;
  return [last, e.type ?? "", e.reason ?? "", target, e.involvedObject?.fieldPath ?? "", source, (e.message ?? "").trim(), first, count, object.metadata.name];
}

/** LAST SEEN TYPE REASON OBJECT MESSAGE; wide adds SUBOBJECT SOURCE FIRST SEEN COUNT NAME. */
export const eventTable: TableDefinition = {
  columns: [
    { name: "Last Seen", type: "string", format: "", priority: 0, description: "The time at which the most recent occurrence of this event was recorded." },
    { name: "Type", type: "string", format: "", priority: 0, description: "Type of this event (Normal, Warning), new types could be added in the future" },
    { name: "Reason", type: "string", format: "", priority: 0, description: "This should be a short, machine understandable string that gives the reason for the transition into the object's current status." },
    { name: "Object", type: "string", format: "", priority: 0, description: "The object that this event is about." },
    { name: "Subobject", type: "string", format: "", priority: 1, description: "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]." },
    { name: "Source", type: "string", format: "", priority: 1, description: "The component reporting this event. Should be a short machine understandable string." },
    { name: "Message", type: "string", format: "", priority: 0, description: "A human-readable description of the status of this operation." },
    { name: "First Seen", type: "string", format: "", priority: 1, description: "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)" },
    { name: "Count", type: "string", format: "", priority: 1, description: "The number of times this event has occurred." },
    { name: "Name", type: "string", format: "name", priority: 1, description: "Name must be unique within a namespace." },
  ],
  cells: eventCells,
};

export const events: ResourceDefinition = defineKind({
  group: "",
  version: "v1",
  kind: "Event",
  resource: "events",
  shortNames: ["ev"],
  namespaced: true,
  modelName: "CoreV1Event",
  nameCheck: pathSegmentName,
  strategy: {
    generation: "none",
    defaults: (e) => mirror(e, 0),
    validate: (e) => legacyValidate(e, "reportingComponent"),
  },
});
events.table = eventTable;

export const eventsV1: ResourceDefinition = defineKind({
  group: "events.k8s.io",
  version: "v1",
  kind: "Event",
  resource: "events",
  shortNames: ["ev"],
  namespaced: true,
  modelName: "EventsV1Event",
  storage: { group: "", resource: "events" },
  strategy: {
    generation: "none",
    defaults: (e) => mirror(e, 1),
    validate: validateEventsV1,
    // Updates through events.k8s.io (series bumps) get the legacy checks, as upstream's ValidateEventUpdate.
    validateUpdate: (e) => legacyValidate(e, "reportingController"),
  },
});
eventsV1.table = eventTable;
