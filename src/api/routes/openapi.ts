import type { FastifyInstance } from 'fastify';
import { buildOpenApiDocument } from '../openapi.js';
import { addOperation, type OperationRegistry } from '../operations.js';
import { openApiDocumentSchema } from '../schemas.js';

export const OPENAPI_PATH = '/v1/openapi.json';

/** The OpenAPI 3.1 document of every operation registered in `registry`, built once on first request. */
export function registerOpenApiRoute(app: FastifyInstance, registry: OperationRegistry): void {
  let document: ReturnType<typeof buildOpenApiDocument> | undefined;
  addOperation(
    app,
    registry,
    {
      method: 'GET',
      path: OPENAPI_PATH,
      operationId: 'getOpenApiDocument',
      tag: 'meta',
      summary: 'This OpenAPI 3.1 document (authentication required, like every route but /health)',
      responses: { 200: { description: 'the document', schema: openApiDocumentSchema } },
      errors: [],
    },
    async () => (document ??= buildOpenApiDocument(registry.operations, { version: '1.0.0' })),
  );
}
