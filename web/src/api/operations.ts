// Request and response types of `/api/v1` operations, read from the generated `schema.d.ts`
// (`cargo xtask openapi` writes it from the server's OpenAPI document; `cargo xtask test` fails
// when it is stale). The client's calls are typed with these, so a server change that breaks the
// web app fails `vue-tsc` instead of a user's click.
import type { components, paths } from './schema'

export type Schemas = components['schemas']

type Method = 'get' | 'post' | 'put' | 'delete'

type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>

/** The JSON body an operation takes. */
export type RequestJson<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { requestBody: { content: { 'application/json': infer B } } }
    ? B
    : Operation<P, M> extends { requestBody?: { content: { 'application/json': infer B } } }
      ? B
      : never

type SuccessJson<R> = R extends { 200: { content: { 'application/json': infer B } } }
  ? B
  : R extends { 201: { content: { 'application/json': infer B } } }
    ? B
    : void

/** The JSON body of an operation's success (200 or 201; `void` when it has none). */
export type ResponseJson<P extends keyof paths, M extends Method> = SuccessJson<Operation<P, M>['responses']>
