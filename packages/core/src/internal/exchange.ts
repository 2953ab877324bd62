/**
 * The HTTP exchange of a token endpoint: one request, read whole within the `request` deadline, never
 * redirected, every platform `HttpClientError` mapped to a `CozeError` (none escapes the package), and the
 * body decoded with `Schema` (not `JSON.parse`).
 */
import { HttpClient, type HttpClientError, HttpClientRequest, type HttpClientResponse } from "@effect/platform"
import { Duration, Effect, Option, type Redacted, Schema } from "effect"
import { constTrue } from "effect/Function"
import * as CozeError from "../CozeError.js"
import * as Deadline from "../Deadline.js"
import type { Region } from "../Region.js"
import { builtInTracer } from "./tracing.js"
import * as Transport from "./transport.js"

/** An HTTP answer as the decoders see it (see `Dialect.Answer`). */
export interface Answer {
  readonly status: number
  readonly logId?: string | undefined
  readonly retryAfter?: Duration.Duration | undefined
  readonly body: unknown
  readonly secrets?: ReadonlyArray<Redacted.Redacted<string>> | undefined
}

/** A flow's client, built once: requests name a path, the region's api base is prepended. */
export interface Endpoint {
  readonly client: HttpClient.HttpClient
  readonly region: Region
}

/** What users may do to the client of a flow (add headers, a proxy, logging), as `OpenAiClient` allows. */
export type TransformClient = (client: HttpClient.HttpClient) => HttpClient.HttpClient

export const makeEndpoint = (
  client: HttpClient.HttpClient,
  region: Region,
  transformClient?: TransformClient | undefined
): Endpoint => {
  const prefixed = HttpClient.mapRequest(client, HttpClientRequest.prependUrl(region.apiBase))
  return { client: transformClient === undefined ? prefixed : transformClient(prefixed), region }
}

const decodeJson = Schema.decodeUnknownOption(Schema.parseJson())

const parseRetryAfter = (value: string | undefined): Duration.Duration | undefined => {
  const seconds = value === undefined ? Number.NaN : Number(value.trim())
  return Number.isFinite(seconds) && seconds >= 0 ? Duration.seconds(seconds) : undefined
}

export const apiBaseSetting = "COZE_API_BASE"

export const transportError = (error: HttpClientError.HttpClientError): CozeError.CozeError => {
  // A URL that does not parse is a setting to fix, not a network hiccup to retry.
  if (error._tag === "RequestError" && error.reason === "InvalidUrl") {
    return new CozeError.ConfigError({
      description: `${error.request.url} is not a valid URL`,
      hint: "COZE_API_BASE / COZE_WWW_BASE must be full http(s) URLs, e.g. https://api.coze.cn",
      field: apiBaseSetting
    })
  }
  const { code, description, reason } = Transport.classify(error.request.url, error.cause)
  const what =
    reason !== "Other" || error._tag === "RequestError"
      ? description
      : `reading the answer of ${error.request.url} failed (${error.reason})`
  const hint = Transport.settingHint(reason, apiBaseSetting)
  return new CozeError.TransportError({
    description: code === undefined || what.includes(code) ? what : `${what} (${code})`,
    reason,
    ...(hint === undefined ? {} : { hint }),
    cause: error.cause
  })
}

const redirected = (response: HttpClientResponse.HttpClientResponse, secrets: ReadonlyArray<Redacted.Redacted>) => {
  const location = response.headers.location
  const target = location === undefined ? "an unknown location" : Transport.scrub(location, secrets)
  return new CozeError.Redirected({
    description: `${response.request.url} answered HTTP ${response.status} redirecting to ${target}; a request carrying a secret never follows a redirect`,
    status: response.status,
    logId: response.headers["x-tt-logid"],
    ...(location === undefined ? {} : { location: target }),
    hint: `check that ${apiBaseSetting} is the API base itself (https, the api host, no path)`
  })
}

/** See `Dialect.send`. */
export const send = (
  client: HttpClient.HttpClient,
  request: HttpClientRequest.HttpClientRequest,
  secrets: ReadonlyArray<Redacted.Redacted<string>> = []
): Effect.Effect<Answer, CozeError.CozeError> =>
  Effect.flatMap(Deadline.Deadlines, (deadlines) => {
    // The URL as sent (the endpoint prepends the api base), for the deadline's message.
    let sent = request.url
    const seen = HttpClient.tapRequest(client, (final) => Effect.sync(() => (sent = final.url)))
    const exchange = seen.execute(request).pipe(
      Effect.mapError(transportError),
      Effect.filterOrElse(
        (response) => !Transport.isRedirect(response.status),
        (response) => Effect.fail(redirected(response, secrets))
      ),
      Effect.flatMap((response: HttpClientResponse.HttpClientResponse) =>
        Effect.map(Effect.mapError(response.text, transportError), (text) => {
          // Read once: a client may build the headers anew on every read.
          const headers = response.headers
          return {
            status: response.status,
            logId: headers["x-tt-logid"],
            retryAfter: parseRetryAfter(headers["retry-after"]),
            body: Option.getOrUndefined(decodeJson(text)),
            secrets
          }
        })
      ),
      Transport.noRedirects,
      Deadline.within(deadlines.request, (took) => `no complete answer from ${sent} within ${took}`)
    )
    return Effect.tracerWith((tracer) =>
      tracer === builtInTracer
        ? // Nobody reads spans: the platform's per-request span (attributes, trace headers) is skipped too.
          Effect.locally(exchange, HttpClient.currentTracerDisabledWhen, constTrue)
        : Effect.withSpan(exchange, "coze-auth.http", {
            attributes: { "http.request.method": request.method, "url.path": pathOf(request.url) }
          })
    )
  })

// The path only: a query may carry a secret.
const pathOf = (url: string): string => (URL.canParse(url) ? new URL(url).pathname : url.replace(/[?#].*$/s, ""))
