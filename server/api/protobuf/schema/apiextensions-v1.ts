/**
 * Protobuf field numbers of apiextensions.v1 (from anthoscli).
 * Written by test/server/protobuf/generate-schema.ts from the compiled generated.proto
 * descriptors; regenerate rather than edit (see that script for the hand-added fields).
 */
import type { SchemaTable } from "./types.ts";

export const apiextensionsV1: SchemaTable = {
  "apiextensions.v1.ConversionRequest": { 1: ["uid", "string"], 2: ["desiredAPIVersion", "string"], 3: ["objects", "runtime.RawExtension", "r"] },
  "apiextensions.v1.ConversionResponse": { 1: ["uid", "string"], 2: ["convertedObjects", "runtime.RawExtension", "r"], 3: ["result", "meta.v1.Status"] },
  "apiextensions.v1.ConversionReview": { 1: ["request", "apiextensions.v1.ConversionRequest", "p"], 2: ["response", "apiextensions.v1.ConversionResponse", "p"] },
  "apiextensions.v1.CustomResourceColumnDefinition": { 1: ["name", "string"], 2: ["type", "string"], 3: ["format", "string"], 4: ["description", "string"], 5: ["priority", "int32", "z"], 6: ["jsonPath", "string"] },
  "apiextensions.v1.CustomResourceConversion": { 1: ["strategy", "string"], 2: ["webhook", "apiextensions.v1.WebhookConversion", "p"] },
  "apiextensions.v1.CustomResourceDefinition": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["spec", "apiextensions.v1.CustomResourceDefinitionSpec"], 3: ["status", "apiextensions.v1.CustomResourceDefinitionStatus"] },
  "apiextensions.v1.CustomResourceDefinitionCondition": { 1: ["type", "string"], 2: ["status", "string"], 3: ["lastTransitionTime", "meta.v1.Time"], 4: ["reason", "string"], 5: ["message", "string"] },
  "apiextensions.v1.CustomResourceDefinitionList": { 1: ["metadata", "meta.v1.ListMeta"], 2: ["items", "apiextensions.v1.CustomResourceDefinition", "r"] },
  "apiextensions.v1.CustomResourceDefinitionNames": { 1: ["plural", "string"], 2: ["singular", "string"], 3: ["shortNames", "string", "r"], 4: ["kind", "string"], 5: ["listKind", "string"], 6: ["categories", "string", "r"] },
  "apiextensions.v1.CustomResourceDefinitionSpec": { 1: ["group", "string"], 3: ["names", "apiextensions.v1.CustomResourceDefinitionNames"], 4: ["scope", "string"], 7: ["versions", "apiextensions.v1.CustomResourceDefinitionVersion", "r"], 9: ["conversion", "apiextensions.v1.CustomResourceConversion", "p"], 10: ["preserveUnknownFields", "bool", "z"] },
  "apiextensions.v1.CustomResourceDefinitionStatus": { 1: ["conditions", "apiextensions.v1.CustomResourceDefinitionCondition", "r"], 2: ["acceptedNames", "apiextensions.v1.CustomResourceDefinitionNames"], 3: ["storedVersions", "string", "r"] },
  "apiextensions.v1.CustomResourceDefinitionVersion": { 1: ["name", "string"], 2: ["served", "bool"], 3: ["storage", "bool"], 4: ["schema", "apiextensions.v1.CustomResourceValidation", "p"], 5: ["subresources", "apiextensions.v1.CustomResourceSubresources", "p"], 6: ["additionalPrinterColumns", "apiextensions.v1.CustomResourceColumnDefinition", "r"], 7: ["deprecated", "bool", "z"], 8: ["deprecationWarning", "string", "p"], 9: ["selectableFields", "apiextensions.v1.SelectableField", "r"] },
  "apiextensions.v1.CustomResourceSubresourceScale": { 1: ["specReplicasPath", "string"], 2: ["statusReplicasPath", "string"], 3: ["labelSelectorPath", "string", "p"] },
  "apiextensions.v1.CustomResourceSubresourceStatus": {  },
  "apiextensions.v1.CustomResourceSubresources": { 1: ["status", "apiextensions.v1.CustomResourceSubresourceStatus", "p"], 2: ["scale", "apiextensions.v1.CustomResourceSubresourceScale", "p"] },
  "apiextensions.v1.CustomResourceValidation": { 1: ["openAPIV3Schema", "apiextensions.v1.JSONSchemaProps", "p"] },
  "apiextensions.v1.ExternalDocumentation": { 1: ["description", "string"], 2: ["url", "string"] },
  "apiextensions.v1.JSON": { 1: ["raw", "bytes"] },
  "apiextensions.v1.JSONSchemaProps": { 1: ["id", "string"], 2: ["$schema", "string"], 3: ["$ref", "string", "p"], 4: ["description", "string"], 5: ["type", "string"], 6: ["format", "string"], 7: ["title", "string"], 8: ["default", "apiextensions.v1.JSON", "p"], 9: ["maximum", "double", "p"], 10: ["exclusiveMaximum", "bool", "z"], 11: ["minimum", "double", "p"], 12: ["exclusiveMinimum", "bool", "z"], 13: ["maxLength", "int64", "p"], 14: ["minLength", "int64", "p"], 15: ["pattern", "string"], 16: ["maxItems", "int64", "p"], 17: ["minItems", "int64", "p"], 18: ["uniqueItems", "bool", "z"], 19: ["multipleOf", "double", "p"], 20: ["enum", "apiextensions.v1.JSON", "r"], 21: ["maxProperties", "int64", "p"], 22: ["minProperties", "int64", "p"], 23: ["required", "string", "r"], 24: ["items", "apiextensions.v1.JSONSchemaPropsOrArray", "p"], 25: ["allOf", "apiextensions.v1.JSONSchemaProps", "r"], 26: ["oneOf", "apiextensions.v1.JSONSchemaProps", "r"], 27: ["anyOf", "apiextensions.v1.JSONSchemaProps", "r"], 28: ["not", "apiextensions.v1.JSONSchemaProps", "p"], 29: ["properties", "apiextensions.v1.JSONSchemaProps", "m"], 30: ["additionalProperties", "apiextensions.v1.JSONSchemaPropsOrBool", "p"], 31: ["patternProperties", "apiextensions.v1.JSONSchemaProps", "m"], 32: ["dependencies", "apiextensions.v1.JSONSchemaPropsOrStringArray", "m"], 33: ["additionalItems", "apiextensions.v1.JSONSchemaPropsOrBool", "p"], 34: ["definitions", "apiextensions.v1.JSONSchemaProps", "m"], 35: ["externalDocs", "apiextensions.v1.ExternalDocumentation", "p"], 36: ["example", "apiextensions.v1.JSON", "p"], 37: ["nullable", "bool", "z"], 38: ["x-kubernetes-preserve-unknown-fields", "bool", "p"], 39: ["x-kubernetes-embedded-resource", "bool", "z"], 40: ["x-kubernetes-int-or-string", "bool", "z"], 41: ["x-kubernetes-list-map-keys", "string", "r"], 42: ["x-kubernetes-list-type", "string", "p"], 43: ["x-kubernetes-map-type", "string", "p"], 44: ["x-kubernetes-validations", "apiextensions.v1.ValidationRule", "r"] },
  "apiextensions.v1.JSONSchemaPropsOrArray": { 1: ["schema", "apiextensions.v1.JSONSchemaProps", "p"], 2: ["jSONSchemas", "apiextensions.v1.JSONSchemaProps", "r"] },
  "apiextensions.v1.JSONSchemaPropsOrBool": { 1: ["allows", "bool"], 2: ["schema", "apiextensions.v1.JSONSchemaProps", "p"] },
  "apiextensions.v1.JSONSchemaPropsOrStringArray": { 1: ["schema", "apiextensions.v1.JSONSchemaProps", "p"], 2: ["property", "string", "r"] },
  "apiextensions.v1.ServiceReference": { 1: ["namespace", "string"], 2: ["name", "string"], 3: ["path", "string", "p"], 4: ["port", "int32", "p"] },
  "apiextensions.v1.ValidationRule": { 1: ["rule", "string"], 2: ["message", "string"], 3: ["messageExpression", "string"], 4: ["reason", "string"], 5: ["fieldPath", "string"], 6: ["optionalOldSelf", "bool"] },
  "apiextensions.v1.WebhookClientConfig": { 1: ["service", "apiextensions.v1.ServiceReference", "p"], 2: ["caBundle", "bytes"], 3: ["url", "string", "p"] },
  "apiextensions.v1.WebhookConversion": { 2: ["clientConfig", "apiextensions.v1.WebhookClientConfig", "p"], 3: ["conversionReviewVersions", "string", "r"] },
  "apiextensions.v1.SelectableField": { 1: ["jsonPath", "string"] },
};
