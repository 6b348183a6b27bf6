// Checks a request's JSON schema against what node-llama-cpp's grammar compiler understands, and
// returns it in that compiler's dialect. The compiler never refuses a schema: an unknown `type`
// becomes `null`, `{}` becomes `null`, a keyword it does not know is ignored, so the answer would
// silently not follow the schema. Here every such case is an error that names the keyword.
import type { GbnfJsonSchema } from "node-llama-cpp";
import { InvalidResponseFormatError } from "./engine-errors.js";

type JsonObject = Record<string, unknown>;

/** Keywords that only describe (no effect on the grammar); allowed anywhere. */
const ANNOTATIONS = new Set([
  "description",
  "title",
  "$schema",
  "$id",
  "$comment",
  "default",
  "examples",
  "$defs",
]);
/** Keywords allowed next to `type`, per type. */
const TYPE_KEYWORDS: Record<string, readonly string[]> = {
  object: ["properties", "required", "additionalProperties", "minProperties", "maxProperties"],
  array: ["items", "prefixItems", "minItems", "maxItems"],
  string: ["minLength", "maxLength", "format"],
};
const PRIMITIVE_TYPES = new Set(["string", "number", "integer", "boolean", "null"]);
const STRING_FORMATS = new Set(["date-time", "time", "date"]);

/**
 * `schema` as node-llama-cpp's `GbnfJsonSchema` (`anyOf` becomes `oneOf`: the grammar picks one
 * alternative either way).
 * @throws {InvalidResponseFormatError} naming the first keyword or value it cannot enforce
 */
export function toGbnfJsonSchema(schema: unknown): GbnfJsonSchema {
  return convert(schema, "schema", []) as GbnfJsonSchema;
}

function convert(node: unknown, at: string, scopes: readonly JsonObject[]): JsonObject {
  if (!isObject(node)) fail(at, "must be an object (a JSON schema)");
  const defs = node.$defs;
  if (defs !== undefined && !isObject(defs)) fail(`${at}.$defs`, "must be an object of schemas");
  const inScope = defs ? [...scopes, defs] : scopes;
  const out: JsonObject = {};
  const allowed = new Set(ANNOTATIONS);
  const kinds = ["type", "const", "enum", "oneOf", "anyOf", "$ref"].filter((key) => key in node);
  if (kinds.length === 0) {
    fail(at, "needs one of type, const, enum, oneOf, anyOf or $ref (the grammar cannot express “any value”)");
  }
  if ("type" in node) {
    const types = Array.isArray(node.type) ? node.type : [node.type];
    for (const type of types) {
      if (typeof type !== "string" || !(PRIMITIVE_TYPES.has(type) || type === "object" || type === "array"))
        fail(
          `${at}.type`,
          `${JSON.stringify(type)} is not one of string, number, integer, boolean, null, object, array`,
        );
    }
    if (types.length === 0) fail(`${at}.type`, "must name at least one type");
    if (Array.isArray(node.type) && types.some((type) => !PRIMITIVE_TYPES.has(type as string)))
      fail(`${at}.type`, "a list of types may only hold string, number, integer, boolean and null");
    out.type = node.type;
    for (const key of TYPE_KEYWORDS[node.type as string] ?? []) allowed.add(key);
  }
  for (const key of kinds) allowed.add(key);
  for (const key of Object.keys(node)) {
    if (!allowed.has(key))
      fail(`${at}.${key}`, "is not supported here (node-llama-cpp's grammar cannot enforce it)");
  }
  for (const [key, value] of Object.entries(node)) {
    const path = `${at}.${key}`;
    switch (key) {
      case "type":
        break;
      case "const":
        if (!isPrimitive(value)) fail(path, "must be a string, number, boolean or null");
        out.const = value;
        break;
      case "enum":
        if (!Array.isArray(value) || value.length === 0 || !value.every(isPrimitive))
          fail(path, "must be a non-empty list of strings, numbers, booleans or nulls");
        out.enum = value;
        break;
      case "oneOf":
      case "anyOf":
        if (!Array.isArray(value) || value.length === 0) fail(path, "must be a non-empty list of schemas");
        out.oneOf = value.map((item, index) => convert(item, `${path}[${index}]`, inScope));
        break;
      case "$ref":
        out.$ref = checkRef(value, path, inScope);
        break;
      case "$defs":
        out.$defs = Object.fromEntries(
          Object.entries(value as JsonObject).map(([name, def]) => [
            name,
            convert(def, `${path}.${name}`, inScope),
          ]),
        );
        break;
      case "properties":
        if (!isObject(value)) fail(path, "must be an object of schemas");
        out.properties = Object.fromEntries(
          Object.entries(value).map(([name, def]) => [name, convert(def, `${path}.${name}`, inScope)]),
        );
        break;
      case "required": {
        const names = Object.keys(isObject(node.properties) ? node.properties : {});
        if (!Array.isArray(value) || !value.every((name) => typeof name === "string"))
          fail(path, "must be a list of property names");
        const unknown = value.find((name) => !names.includes(name));
        if (unknown !== undefined) fail(path, `names ${JSON.stringify(unknown)}, which is not in properties`);
        out.required = value;
        break;
      }
      case "additionalProperties":
        out.additionalProperties = typeof value === "boolean" ? value : convert(value, path, inScope);
        break;
      case "items":
        out.items = convert(value, path, inScope);
        break;
      case "prefixItems":
        if (!Array.isArray(value)) fail(path, "must be a list of schemas");
        out.prefixItems = value.map((item, index) => convert(item, `${path}[${index}]`, inScope));
        break;
      case "format":
        if (typeof value !== "string" || !STRING_FORMATS.has(value))
          fail(path, "must be date-time, time or date (the formats the grammar knows)");
        out.format = value;
        break;
      case "minProperties":
      case "maxProperties":
      case "minItems":
      case "maxItems":
      case "minLength":
      case "maxLength":
        if (!Number.isInteger(value) || (value as number) < 0) fail(path, "must be a whole number ≥ 0");
        out[key] = value;
        break;
      case "description":
        if (typeof value === "string") out.description = value;
        break;
    }
  }
  return out;
}

function checkRef(value: unknown, at: string, scopes: readonly JsonObject[]): string {
  const name =
    typeof value === "string" && value.startsWith("#/$defs/") ? value.slice("#/$defs/".length) : null;
  if (name === null) fail(at, 'must point into $defs ("#/$defs/<name>")');
  if (!scopes.some((defs) => name in defs))
    fail(at, `points to ${JSON.stringify(value)}, which $defs does not define`);
  return value as string;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isPrimitive(value: unknown): boolean {
  return value === null || ["string", "number", "boolean"].includes(typeof value);
}

function fail(at: string, problem: string): never {
  throw new InvalidResponseFormatError(
    `The response format's JSON schema cannot be enforced: ${at} ${problem}. ` +
      `Supported: type, properties, required, additionalProperties, items, prefixItems, enum, const, ` +
      `oneOf/anyOf, $ref into $defs, min/max lengths and counts, and the formats date-time, time and date.`,
  );
}
