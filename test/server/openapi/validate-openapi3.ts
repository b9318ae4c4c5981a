/**
 * A structural check of an OpenAPI 3.0 document: the parts kubectl's parser (kube-openapi spec3)
 * and any 3.0 tool rely on. Returns a list of problems (empty = fine). Written for the tests rather
 * than adding a validator dependency; it checks shape, not every rule of the specification.
 */
type J = Record<string, unknown>;
const isObj = (v: unknown): v is J => v !== null && typeof v === "object" && !Array.isArray(v);

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
const PARAM_IN = ["query", "header", "path", "cookie"];
const TYPES = ["string", "number", "integer", "boolean", "array", "object"];

export function validateOpenApi3(doc: unknown): string[] {
  const errs: string[] = [];
  if (!isObj(doc)) return ["document is not an object"];
  if (typeof doc.openapi !== "string" || !/^3\.0\.\d+$/.test(doc.openapi)) errs.push(`openapi: ${String(doc.openapi)}`);
  const info = doc.info;
  if (!isObj(info) || typeof info.title !== "string" || typeof info.version !== "string") errs.push("info needs title and version");
  if (!isObj(doc.paths)) errs.push("paths must be an object");
  const schemas = isObj(doc.components) && isObj(doc.components.schemas) ? doc.components.schemas : {};

  const checkRef = (r: unknown, where: string) => {
    if (typeof r !== "string" || !r.startsWith("#/components/schemas/")) errs.push(`${where}: bad $ref ${String(r)}`);
    else if (!Object.hasOwn(schemas, r.slice("#/components/schemas/".length))) errs.push(`${where}: dangling $ref ${r}`);
  };
  const checkSchema = (s: unknown, where: string): void => {
    if (!isObj(s)) return void errs.push(`${where}: schema is not an object`);
    if ("$ref" in s) {
      checkRef(s.$ref, where);
      const siblings = Object.keys(s).filter((k) => k !== "$ref");
      if (siblings.length > 0) errs.push(`${where}: $ref with siblings ${siblings.join(",")} (ignored in 3.0; use allOf)`);
    }
    if ("type" in s && !TYPES.includes(s.type as string)) errs.push(`${where}: type ${String(s.type)}`);
    if (s.type === "array" && !("items" in s)) errs.push(`${where}: array without items`);
    if ("items" in s) checkSchema(s.items, `${where}.items`);
    if (isObj(s.properties)) for (const [k, v] of Object.entries(s.properties)) checkSchema(v, `${where}.${k}`);
    else if ("properties" in s) errs.push(`${where}: properties must be an object`);
    if (isObj(s.additionalProperties)) checkSchema(s.additionalProperties, `${where}.additionalProperties`);
    for (const combo of ["allOf", "oneOf", "anyOf"]) {
      if (combo in s) {
        if (!Array.isArray(s[combo])) errs.push(`${where}: ${combo} must be an array`);
        else (s[combo] as unknown[]).forEach((x, i) => checkSchema(x, `${where}.${combo}[${i}]`));
      }
    }
    if ("required" in s && (!Array.isArray(s.required) || s.required.length === 0)) errs.push(`${where}: required must be a non-empty array`);
  };
  for (const [name, s] of Object.entries(schemas)) checkSchema(s, `components.schemas.${name}`);

  const checkParam = (p: unknown, where: string, template: Set<string>) => {
    if (!isObj(p)) return void errs.push(`${where}: parameter is not an object`);
    if (typeof p.name !== "string" || !PARAM_IN.includes(p.in as string)) errs.push(`${where}: parameter needs name and in`);
    if (p.in === "path") {
      if (p.required !== true) errs.push(`${where}: path parameter ${String(p.name)} must be required`);
      template.delete(p.name as string);
    }
    if (!("schema" in p) && !("content" in p)) errs.push(`${where}: parameter needs schema or content`);
    else if ("schema" in p) checkSchema(p.schema, `${where}.schema`);
  };
  for (const [path, item] of Object.entries(isObj(doc.paths) ? doc.paths : {})) {
    if (!path.startsWith("/")) errs.push(`path ${path} must start with /`);
    if (!isObj(item)) {
      errs.push(`${path}: not an object`);
      continue;
    }
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
    const pathLevel = Array.isArray(item.parameters) ? item.parameters : [];
    for (const method of Object.keys(item)) {
      if (method === "parameters" || method === "description" || method === "summary" || method.startsWith("x-")) continue;
      if (!METHODS.includes(method)) {
        errs.push(`${path}: unknown key ${method}`);
        continue;
      }
      const op = item[method];
      const where = `${path} ${method}`;
      if (!isObj(op)) {
        errs.push(`${where}: not an object`);
        continue;
      }
      const template = new Set(templated);
      pathLevel.forEach((p, i) => checkParam(p, `${where} path-parameters[${i}]`, template));
      if ("parameters" in op) {
        if (!Array.isArray(op.parameters)) errs.push(`${where}: parameters must be an array`);
        else op.parameters.forEach((p, i) => checkParam(p, `${where} parameters[${i}]`, template));
      }
      if (template.size > 0) errs.push(`${where}: path parameters not declared: ${[...template].join(",")}`);
      if (!isObj(op.responses) || Object.keys(op.responses).length === 0) errs.push(`${where}: responses required`);
      else {
        for (const [code, resp] of Object.entries(op.responses)) {
          if (!/^([1-5]\d\d|[1-5]XX|default)$/.test(code)) errs.push(`${where}: response code ${code}`);
          if (!isObj(resp) || typeof resp.description !== "string") errs.push(`${where} ${code}: response needs a description`);
          else if (isObj(resp.content)) for (const [mt, m] of Object.entries(resp.content)) if (isObj(m) && "schema" in m) checkSchema(m.schema, `${where} ${code} ${mt}`);
        }
      }
      if ("requestBody" in op) {
        const body = op.requestBody;
        if (!isObj(body) || !isObj(body.content)) errs.push(`${where}: requestBody needs content`);
        else for (const [mt, m] of Object.entries(body.content)) if (isObj(m) && "schema" in m) checkSchema(m.schema, `${where} body ${mt}`);
      }
    }
  }
  return errs;
}
