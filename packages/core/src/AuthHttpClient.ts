/**
 * An `HttpClient` for the Coze OpenAPI: paths (`/v1/...`) go to the region's api base, every request carries
 * `Authorization: Bearer <token>` from `Credentials`, and a rejected token (HTTP 401, or Coze code 4100 in
 * a JSON body) is refreshed once and the request sent once more — never more, so a revoked credential
 * cannot loop. The bearer goes to the api base's origin only (any other URL fails with `RequestError`
 * `InvalidUrl`, unsent), and no error or response handed back carries it.
 *
 * ```ts
 * const me = Effect.gen(function* () {
 *   const client = yield* AuthHttpClient.CozeHttpClient
 *   return yield* client.get("/v1/users/me").pipe(Effect.flatMap((res) => res.json))
 * })
 * ```
 *
 * @since 0.1.0
 */
import {
  Headers,
  HttpClient,
  HttpClientError,
  HttpClientRequest,
  HttpClientResponse,
  HttpIncomingMessage
} from "@effect/platform"
import { Context, Effect, Either, Equal, Inspectable, Layer, Option, Predicate, Stream } from "effect"
import type { CozeError } from "./CozeError.js"
import { Credentials } from "./Credentials.js"
import type { Region } from "./Region.js"
import type { Token } from "./Token.js"

/**
 * @since 0.1.0
 * @category Models
 */
export type Service = HttpClient.HttpClient.With<HttpClientError.HttpClientError | CozeError>

/**
 * The authenticated client, kept apart from the plain `HttpClient` it is built on (token requests must not
 * carry a bearer, nor trigger a refresh).
 *
 * @since 0.1.0
 * @category Context
 */
export class CozeHttpClient extends Context.Tag("@coze-auth/core/AuthHttpClient/CozeHttpClient")<
  CozeHttpClient,
  Service
>() {}

/** Coze's "authentication is invalid" business code, sent with HTTP 401 or, on some endpoints, 200. */
const invalidTokenCode = 4100

/**
 * Whether the server rejected the access token. JSON bodies are only peeked at: the platform caches the
 * text, so the caller can still read it.
 *
 * @since 0.1.0
 * @category Utils
 */
export const isTokenRejected = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<boolean> => {
  if (response.status === 401) return Effect.succeed(true)
  if (!(response.headers["content-type"] ?? "").includes("json")) return Effect.succeed(false)
  return response.json.pipe(
    Effect.map((body) => Predicate.hasProperty(body, "code") && body.code === invalidTokenCode),
    Effect.orElseSucceed(() => false)
  )
}

const withBearer = (request: HttpClientRequest.HttpClientRequest, token: Token) =>
  HttpClientRequest.bearerToken(request, token.accessToken)

/** The request as errors and responses show it: the platform prints a request's headers, bearer included. */
const withoutBearer = (request: HttpClientRequest.HttpClientRequest) =>
  // Rebuilt from scratch: `modify` merges headers, so it cannot take one away.
  HttpClientRequest.make(request.method)(request.url, {
    urlParams: request.urlParams,
    hash: Option.getOrUndefined(request.hash),
    headers: Headers.remove(request.headers, "authorization"),
    body: request.body
  })

/**
 * A response that shows and reports `request` (without the bearer) in place of the one sent: the platform's
 * responses (and their wrappers) print their request, and their body errors carry it.
 */
class ScrubbedResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  constructor(
    private readonly original: HttpClientResponse.HttpClientResponse,
    readonly request: HttpClientRequest.HttpClientRequest
  ) {
    super()
  }
  get status() {
    return this.original.status
  }
  get headers() {
    return this.original.headers
  }
  get cookies() {
    return this.original.cookies
  }
  get remoteAddress() {
    return this.original.remoteAddress
  }
  get text() {
    return Effect.mapError(this.original.text, scrubResponseError)
  }
  get json() {
    return Effect.mapError(this.original.json, scrubResponseError)
  }
  get formData() {
    return Effect.mapError(this.original.formData, scrubResponseError)
  }
  get urlParamsBody() {
    return Effect.mapError(this.original.urlParamsBody, scrubResponseError)
  }
  get arrayBuffer() {
    return Effect.mapError(this.original.arrayBuffer, scrubResponseError)
  }
  get stream() {
    return Stream.mapError(this.original.stream, scrubResponseError)
  }
  toJSON(): unknown {
    return { ...(this.original.toJSON() as object), request: this.request.toJSON() }
  }
}

const scrubResponse = (response: HttpClientResponse.HttpClientResponse): HttpClientResponse.HttpClientResponse =>
  response instanceof ScrubbedResponse ? response : new ScrubbedResponse(response, withoutBearer(response.request))

const details = (error: HttpClientError.HttpClientError) => ({
  request: withoutBearer(error.request),
  cause: error.cause,
  ...(error.description === undefined ? {} : { description: error.description })
})

const scrubResponseError = (error: HttpClientError.ResponseError): HttpClientError.ResponseError =>
  new HttpClientError.ResponseError({
    ...details(error),
    response: scrubResponse(error.response),
    reason: error.reason
  })

const scrubError = (error: HttpClientError.HttpClientError): HttpClientError.HttpClientError =>
  error._tag === "RequestError"
    ? new HttpClientError.RequestError({ ...details(error), reason: error.reason })
    : scrubResponseError(error)

const invalidUrl = (request: HttpClientRequest.HttpClientRequest, description: string) =>
  new HttpClientError.RequestError({ request: withoutBearer(request), reason: "InvalidUrl", description })

/**
 * Where a request may go with the bearer: a path (starting with `/`) under `apiBase`, or an absolute URL
 * on the api base's origin. Concatenating anything else could change the host (`.evil.example/x`,
 * `@evil.example/x`), so it is refused.
 *
 * @since 0.1.0
 * @category Utils
 */
export const resolveUrl = (apiBase: string, url: string): Either.Either<string, string> => {
  if (!URL.canParse(apiBase)) return Either.left(`the api base ${apiBase} is not a URL`)
  const base = new URL(apiBase)
  const absolute = URL.canParse(url)
  if (!absolute && !url.startsWith("/")) return Either.left(`a relative URL must start with "/": ${url}`)
  const target = absolute ? url : `${apiBase}${url}`
  if (!URL.canParse(target)) return Either.left(`${target} is not a URL`)
  const resolved = new URL(target)
  return resolved.origin === base.origin
    ? Either.right(resolved.href)
    : Either.left(`refusing to send the credential to ${resolved.origin}, not the api base ${base.origin}`)
}

/**
 * Wraps `client`: resolves the URL against `region.apiBase` (`resolveUrl`), adds the bearer, and on a
 * rejected token renews it once (`refreshRejected`: concurrent rejections share one renewal) and retries
 * once. When the renewal hands back the same token (a static PAT), the rejection is returned as it is
 * rather than sent again. Errors and responses come back without the bearer.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const authenticate = (
  client: HttpClient.HttpClient,
  options: { readonly region: Region; readonly credentials: Credentials["Type"] }
): Service => {
  const { credentials } = options
  const send = (
    request: HttpClientRequest.HttpClientRequest
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError | CozeError> =>
    Effect.gen(function* () {
      const url = resolveUrl(options.region.apiBase, request.url)
      if (Either.isLeft(url)) return yield* invalidUrl(request, url.left)
      const resolved = HttpClientRequest.setUrl(request, url.right)
      const execute = (token: Token) =>
        client.execute(withBearer(resolved, token)).pipe(Effect.map(scrubResponse), Effect.mapError(scrubError))
      const token = yield* credentials.token()
      const response = yield* execute(token)
      if (!(yield* isTokenRejected(response))) return response
      const renewed = yield* credentials.refreshRejected(token)
      if (Equal.equals(renewed.accessToken, token.accessToken)) return response
      return yield* execute(renewed)
    })
  return HttpClient.makeWith(
    (request: Effect.Effect<HttpClientRequest.HttpClientRequest>) => Effect.flatMap(request, send),
    Effect.succeed
  )
}

/**
 * @since 0.1.0
 * @category Constructors
 */
export const make = (options: {
  readonly region: Region
}): Effect.Effect<Service, never, Credentials | HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const credentials = yield* Credentials
    const client = yield* HttpClient.HttpClient
    return authenticate(client, { region: options.region, credentials })
  })

/**
 * @since 0.1.0
 * @category Layers
 */
export const layer = (options: {
  readonly region: Region
}): Layer.Layer<CozeHttpClient, never, Credentials | HttpClient.HttpClient> =>
  Layer.effect(CozeHttpClient, make(options))
