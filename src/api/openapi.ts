import { z } from 'zod';
import { API_ERROR_STATUS, type ApiErrorCode } from './errors.js';
import { errorCodesOf, type Operation } from './operations.js';
import { apiSchemas, errorBodySchema } from './schemas.js';
import { CSRF_HEADER, SESSION_COOKIE } from './session.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const ERROR_DESCRIPTIONS: Record<ApiErrorCode, string> = {
  BAD_REQUEST: 'A path parameter, query parameter or the body is invalid (the message names each problem), or the cycle rejected the change',
  UNAUTHORIZED: 'No bearer token or dashboard session, or an invalid or expired one',
  FORBIDDEN: `A state-changing request authenticated by the dashboard session cookie came without its ${CSRF_HEADER} header`,
  NOT_FOUND: 'No such market cycle in Temporal',
  CONFLICT: 'The market cycle exists but is not running (it completed, failed or was terminated)',
  PAYLOAD_TOO_LARGE: 'The body is larger than 64 KiB',
  UNSUPPORTED_MEDIA_TYPE: 'The body is not JSON',
  TOO_MANY_REQUESTS: 'This client IP sent too many wrong credentials in the last minute (KEEL_API_AUTH_FAILURES_PER_MINUTE); the Retry-After header says how many seconds until it may try again',
  INTERNAL: 'An unexpected error; the message quotes the request id (also in the x-request-id header) to find it in the log',
  UNAVAILABLE: 'Temporal or the database did not answer, or the API runs without a database',
};

const DESCRIPTION = `Durable crypto trading cycles on Temporal.

Every operation but \`GET /health\` needs \`Authorization: Bearer <token>\` (one of the tokens in KEEL_API_TOKEN), or
the dashboard's session cookie \`${SESSION_COOKIE}\`; requests that change state with the cookie must also send the
session's CSRF token in \`${CSRF_HEADER}\`. This document itself needs authentication too.

Every error is \`{"code": ..., "message": ...}\` (schema \`Error\`), whatever the route or the cause.`;

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function rewriteRefs(value: Json): Json {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = key === '$ref' && typeof inner === 'string' ? inner.replace(/^#\/\$defs\//, '#/components/schemas/') : rewriteRefs(inner);
  }
  return out;
}

/**
 * The OpenAPI 3.1 document of the given operations, generated from their zod schemas (`z.toJSONSchema`): request
 * schemas as the client sends them (io "input"), responses as the server returns them (io "output"). Schemas
 * registered in `apiSchemas` become shared components.
 */
export function buildOpenApiDocument(operations: readonly Operation[], options: { version: string }): JsonObject {
  const components: JsonObject = {};

  const render = (schema: z.ZodType, io: 'input' | 'output'): JsonObject => {
    const json = z.toJSONSchema(schema, { io, target: 'draft-2020-12', metadata: apiSchemas, unrepresentable: 'any' }) as JsonObject;
    const { $schema: _schema, $defs, ...rest } = json;
    if (isObject($defs)) {
      for (const [id, def] of Object.entries($defs)) {
        const rendered = rewriteRefs(def);
        const existing = components[id];
        if (existing !== undefined && JSON.stringify(existing) !== JSON.stringify(rendered)) {
          throw new Error(`OpenAPI: schema "${id}" renders differently in two places (request vs response?); give them different ids`);
        }
        components[id] = rendered;
      }
    }
    return rewriteRefs(rest) as JsonObject;
  };

  const parameters = (schema: z.ZodType | undefined, where: 'path' | 'query'): JsonObject[] => {
    if (schema === undefined) return [];
    const json = render(schema, 'input');
    const required = new Set(Array.isArray(json.required) ? json.required : []);
    const properties = isObject(json.properties) ? json.properties : {};
    return Object.entries(properties).map(([name, property]) => {
      const { description, ...propertySchema } = isObject(property) ? property : ({} as JsonObject);
      return {
        name,
        in: where,
        required: where === 'path' || required.has(name),
        ...(typeof description === 'string' && { description }),
        schema: propertySchema,
      };
    });
  };

  const errorResponse = (code: ApiErrorCode): JsonObject => ({
    description: `${code}: ${ERROR_DESCRIPTIONS[code]}`,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  });

  const paths: Record<string, JsonObject> = {};
  for (const op of operations) {
    const path = op.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const responses: JsonObject = {};
    for (const [status, response] of Object.entries(op.responses)) {
      responses[status] = { description: response.description, content: { 'application/json': { schema: render(response.schema, 'output') } } };
    }
    const codes = errorCodesOf(op).sort((a, b) => API_ERROR_STATUS[a] - API_ERROR_STATUS[b]);
    for (const code of codes) responses[String(API_ERROR_STATUS[code])] = errorResponse(code);

    const operation: JsonObject = {
      operationId: op.operationId,
      tags: [op.tag],
      summary: op.summary,
      ...(op.description !== undefined && { description: op.description }),
      parameters: [...parameters(op.params, 'path'), ...parameters(op.query, 'query')],
      responses,
    };
    if (op.body !== undefined) {
      const schema = render(op.body, 'input');
      const content: JsonObject = { 'application/json': { schema } };
      for (const mediaType of op.extraBodyMediaTypes ?? []) content[mediaType] = { schema };
      operation.requestBody = { required: !op.bodyOptional, content };
    }
    if (op.auth === false) operation.security = [];
    paths[path] = { ...paths[path], [op.method.toLowerCase()]: operation };
  }
  // Every operation refers to the error body; rendering it (it has an id) puts it among the components.
  render(errorBodySchema, 'output');

  return {
    openapi: '3.1.0',
    info: { title: 'keel API', version: options.version, description: DESCRIPTION },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }, { sessionCookie: [] }],
    tags: [...new Set(operations.map((op) => op.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'one of the tokens in KEEL_API_TOKEN' },
        sessionCookie: {
          type: 'apiKey',
          in: 'cookie',
          name: SESSION_COOKIE,
          description: `the dashboard's session (POST /login); state-changing requests also need the ${CSRF_HEADER} header`,
        },
      },
    },
  };
}
