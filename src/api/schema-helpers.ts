import { z } from 'zod';

/* Helpers of the API's response schemas (schemas.ts, risk-layer-schemas.ts). */

/**
 * Schemas with an id become `#/components/schemas/<id>` in the OpenAPI document. Ids and descriptions live in zod's
 * global registry (where `.describe()` puts descriptions), so the document's descriptions come from the same place.
 */
export const apiSchemas = z.globalRegistry;

export function named<S extends z.ZodType>(id: string, schema: S): S {
  return schema.meta({ ...apiSchemas.get(schema), id }) as S;
}

// Exact type equality (not mere assignability): a missing or extra optional field fails too.
export type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
export function sameType<_Check extends true>(): void {}

export const int = () => z.number().int();
export const decimal = (what: string) => z.string().describe(`${what}, decimal string`);
export const epochMs = (what: string) => int().describe(`${what}, epoch milliseconds`);
