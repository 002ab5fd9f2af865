import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { FastifyInstance } from 'fastify';

/** The slice of OpenAPI 3.1 the tests read. */
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, JsonSchema> };
}

export interface OpenApiOperation {
  operationId: string;
  parameters: Array<{ name: string; in: 'path' | 'query'; required: boolean; schema: JsonSchema }>;
  requestBody?: { required: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: JsonSchema }> }>;
  security?: unknown[];
}

export type JsonSchema = { [key: string]: unknown };

export async function fetchOpenApi(app: FastifyInstance, token: string): Promise<OpenApiDocument> {
  const res = await app.inject({ method: 'GET', url: '/v1/openapi.json', headers: { authorization: `Bearer ${token}` } });
  if (res.statusCode !== 200) throw new Error(`GET /v1/openapi.json answered ${res.statusCode}: ${res.body}`);
  return res.json<OpenApiDocument>();
}

const BASE = 'https://keel.test/openapi.json';

/**
 * JSON Schema validators for the document's schemas (draft 2020-12, what OpenAPI 3.1 uses). `#/components/...`
 * references resolve against the document's own components.
 */
export function createSchemaValidator(doc: OpenApiDocument): (schema: JsonSchema) => ValidateFunction {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ $id: BASE, components: doc.components });
  const cache = new Map<string, ValidateFunction>();
  return (schema) => {
    const key = JSON.stringify(schema);
    let validate = cache.get(key);
    if (!validate) {
      validate = ajv.compile(JSON.parse(key.replaceAll('"#/components/', `"${BASE}#/components/`)) as JsonSchema);
      cache.set(key, validate);
    }
    return validate;
  };
}

/** The schema of one documented response, or undefined when the status is not documented. */
export function responseSchema(op: OpenApiOperation, status: number): JsonSchema | undefined {
  return op.responses[String(status)]?.content?.['application/json']?.schema;
}
