import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { RequestHandler } from 'express';
import YAML from 'yaml';
import { type FieldError, problems } from './problem.ts';
import { queryTextErrors } from './text.ts';

/** openapi.yaml is the contract: requests are validated against it here, responses in the tests. */
export const OPENAPI_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../openapi.yaml');
export const openapiText = fs.readFileSync(OPENAPI_PATH, 'utf8');

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema: object;
  $ref?: string;
}
interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: object }> };
  responses: Record<string, { $ref?: string; content?: Record<string, { schema: object }> }>;
}
type Document = {
  paths: Record<string, Record<string, Operation>>;
  components: {
    parameters: Record<string, Parameter>;
    responses: Record<string, Operation['responses'][string]>;
  };
};

/** The contract as served by a hub: `servers` is that hub's PUBLIC_URL, not the documented default. */
export function openapiFor(publicUrl: string): string {
  const document = YAML.parseDocument(openapiText);
  document.set('servers', [{ url: publicUrl }]);
  return document.toString();
}

export const openapi = YAML.parse(openapiText) as Document;
const DOC_ID = 'payhub-openapi.json';

function newAjv(coerceTypes: boolean) {
  const ajv = new Ajv2020({ allErrors: true, strict: false, coerceTypes, useDefaults: false });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  ajv.addSchema(openapi as object, DOC_ID);
  return ajv;
}
const bodyAjv = newAjv(false);
const queryAjv = newAjv('array' as unknown as boolean);

function pointer(...parts: string[]): string {
  return parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

interface Located {
  operation: Operation;
  ref: string;
}

const operations = new Map<string, Located>();
for (const [route, methods] of Object.entries(openapi.paths)) {
  for (const [method, operation] of Object.entries(methods)) {
    if (operation?.operationId) {
      operations.set(operation.operationId, {
        operation,
        ref: `${DOC_ID}#/${pointer('paths', route, method)}`,
      });
    }
  }
}

function locate(operationId: string): Located {
  const found = operations.get(operationId);
  if (!found) throw new Error(`openapi.yaml has no operation ${operationId}`);
  return found;
}

function resolveParameter(parameter: Parameter): Parameter {
  if (!parameter.$ref) return parameter;
  const name = parameter.$ref.split('/').pop() as string;
  return openapi.components.parameters[name] as Parameter;
}

function fieldOf(error: ErrorObject, prefix: string[] = []): string {
  const parts = [
    ...prefix,
    ...error.instancePath
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')),
  ];
  const params = error.params as Record<string, string>;
  if (error.keyword === 'required') parts.push(params.missingProperty as string);
  if (error.keyword === 'additionalProperties') parts.push(params.additionalProperty as string);
  if (error.keyword === 'propertyNames' && params.propertyName) parts.push(params.propertyName);
  return parts.join('.') || 'body';
}

function messageOf(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a known field';
    case 'type':
      return `must be ${(Array.isArray(params.type) ? params.type : [params.type]).join(' or ')}`;
    case 'enum':
      return `must be one of: ${(params.allowedValues as unknown[]).join(', ')}`;
    case 'pattern':
      return 'has an invalid format';
    default:
      return error.message ?? 'is invalid';
  }
}

/** Keeps one clear message per field: ajv may report a field under several keywords. */
export function toFieldErrors(errors: ErrorObject[] | null | undefined, prefix: string[] = []): FieldError[] {
  const seen = new Map<string, FieldError>();
  for (const error of errors ?? []) {
    if (error.keyword === 'if' || error.keyword === 'oneOf' || error.keyword === 'anyOf') continue;
    const field = fieldOf(error, prefix);
    if (!seen.has(field)) seen.set(field, { field, message: messageOf(error) });
  }
  return [...seen.values()];
}

/** Compiled once per operation, however many apps are built (tests build several). */
function memo<T>(compile: (operationId: string) => T): (operationId: string) => T {
  const cache = new Map<string, T>();
  return (operationId) => {
    if (!cache.has(operationId)) cache.set(operationId, compile(operationId));
    return cache.get(operationId) as T;
  };
}

const bodyValidator = memo((operationId: string): ValidateFunction | undefined => {
  const { operation, ref } = locate(operationId);
  // Only JSON bodies are validated here; others (an XML statement) are streamed by their route.
  if (!operation.requestBody?.content['application/json']) return undefined;
  return bodyAjv.compile({ $ref: `${ref}/requestBody/content/application~1json/schema` });
});

const queryValidator = memo((operationId: string): ValidateFunction => {
  const parameters = (locate(operationId).operation.parameters ?? []).map(resolveParameter);
  const query = parameters.filter((p) => p.in === 'query');
  return queryAjv.compile({
    $id: `query-${operationId}`,
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(query.map((p) => [p.name, { $ref: `${DOC_ID}#/${pointerOfSchema(p)}` }])),
    required: query.filter((p) => p.required).map((p) => p.name),
  });
});

function pointerOfSchema(parameter: Parameter): string {
  const name = Object.entries(openapi.components.parameters).find(([, p]) => p === parameter)?.[0];
  if (name) return pointer('components', 'parameters', name, 'schema');
  for (const [route, methods] of Object.entries(openapi.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const index = (operation.parameters ?? []).indexOf(parameter);
      if (index >= 0) return pointer('paths', route, method, 'parameters', String(index), 'schema');
    }
  }
  throw new Error(`parameter ${parameter.name} not found in openapi.yaml`);
}

/**
 * Validates the query string and JSON body of a request against its operation in openapi.yaml.
 * Unknown query parameters and unknown body fields are rejected, never ignored.
 */
export function validateRequest(operationId: string): RequestHandler {
  const body = bodyValidator(operationId);
  const query = queryValidator(operationId);
  const bodyRequired = locate(operationId).operation.requestBody?.required ?? false;
  return (req, res, next) => {
    const badText = queryTextErrors(req);
    if (badText.length) throw problems.invalidRequest(badText);
    const queryCopy: Record<string, unknown> = { ...(req.query as Record<string, unknown>) };
    if (!query(queryCopy)) throw problems.invalidRequest(toFieldErrors(query.errors));
    res.locals.query = queryCopy;
    if (!body) return next();
    if (req.body === undefined) {
      // express.json() only parses JSON: any other body that was sent is the wrong media type.
      const sent =
        Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
      if (sent) throw problems.unsupportedMediaType();
      if (bodyRequired)
        throw problems.invalidRequest([{ field: 'body', message: 'a JSON object is required' }]);
      return next();
    }
    if (!body(req.body)) throw problems.invalidRequest(toFieldErrors(body.errors));
    next();
  };
}

/** For tests: the validator of an operation's response body for a status code. */
export const responseValidator = (operationId: string, status: number) =>
  responseValidators(`${operationId} ${status}`);
const responseValidators = memo((key: string): ValidateFunction => {
  const [operationId, status] = key.split(' ') as [string, string];
  const { operation, ref } = locate(operationId);
  const response = operation.responses[String(status)];
  if (!response) throw new Error(`openapi.yaml: ${operationId} does not document status ${status}`);
  if (response.$ref) {
    const name = response.$ref.split('/').pop() as string;
    return bodyAjv.compile({
      $ref: `${DOC_ID}#/${pointer('components', 'responses', name, 'content', 'application/problem+json', 'schema')}`,
    });
  }
  const type = Object.keys(response.content ?? {})[0] as string;
  return bodyAjv.compile({ $ref: `${ref}/responses/${status}/content/${pointer(type)}/schema` });
});
