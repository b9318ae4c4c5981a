/**
 * The one place that loads @peculiar/x509. The library resolves its internals through tsyringe,
 * which needs the Reflect metadata API at load time; importing the polyfill first (ESM evaluates
 * imports in order) means no caller can forget it.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

export { x509 };
