/**
 * What every resource handler gets: the request, what it is about, and the server's parts.
 */
import type { Logger } from "../../../plugins/mod.ts";
import type { Catalog } from "../../registry/catalog.ts";
import type { ResourceStore } from "../../registry/rest/resource-store.ts";
import type { ResourceDefinition } from "../../registry/types.ts";
import type { KubeObject } from "../../storage/object.ts";
import type { ResponseFormat } from "../negotiate.ts";
import type { ResourceRequestInfo } from "../request-info.ts";

/** Turns query-string selectors into a predicate (label and field selectors of the kind). */
export type PredicateBuilder = (
  def: ResourceDefinition,
  labelSelector: string | null,
  fieldSelector: string | null,
) => ((object: KubeObject) => boolean) | undefined;

export type FieldValidation = "Ignore" | "Warn" | "Strict";

export interface ApiServices {
  catalog: Catalog;
  storeFor(def: ResourceDefinition): ResourceStore;
  predicate: PredicateBuilder;
  log: Logger;
  /**
   * Unknown and duplicate fields under `?fieldValidation=` (Ignore | Warn | Strict, default Warn):
   * returns the warnings to send, drops unknown fields from `object`, throws under Strict.
   */
  checkFields?(def: ResourceDefinition, object: KubeObject, json: string | undefined, mode: FieldValidation): Promise<string[]>;
  /** Aborted when the server stops: long requests (watches) end. */
  signal: AbortSignal;
}

export interface ResourceCall {
  request: Request;
  url: URL;
  query: URLSearchParams;
  info: ResourceRequestInfo;
  def: ResourceDefinition;
  store: ResourceStore;
  format: ResponseFormat;
  services: ApiServices;
}

/** The object with apiVersion and kind set, as every answer carries them. */
export function typed(def: ResourceDefinition, object: KubeObject): KubeObject {
  const apiVersion = def.group ? `${def.group}/${def.version}` : def.version;
  if (object.apiVersion === apiVersion && object.kind === def.kind) return object;
  return { ...object, apiVersion, kind: def.kind };
}
