/**
 * An `HttpClient` straight over undici's `Dispatcher.request`. The platform's undici client wraps every request
 * in an `AbortController`, a second response object and a `FinalizationRegistry` entry, and caches each body
 * read through `Effect.cached`: 0.1–0.3 ms of CPU per request on loopback (docs/benchmarks.md). This one does
 * the same work with less: interruption aborts the request or the body read (the `AbortSignal` of
 * `Effect.async`), a response dropped unread frees its connection when collected, no redirect is followed
 * (undici's `request` never does), and a failure is a `RequestError` / `ResponseError` whose cause is undici's
 * error, codes and all (`UND_ERR_*`, `ECONNREFUSED`, TLS codes), for core's transport classification.
 */
import type { Readable } from "node:stream"
import {
  Cookies,
  Headers,
  type HttpBody,
  HttpClient,
  HttpClientError,
  type HttpClientRequest,
  HttpClientResponse,
  HttpIncomingMessage,
  UrlParams
} from "@effect/platform"
import * as NodeStream from "@effect/platform-node/NodeStream"
import type * as Undici from "@effect/platform-node/Undici"
import { Effect, Either, Inspectable, Option, type Stream } from "effect"

type Body = Exclude<Undici.Dispatcher.DispatchOptions["body"], undefined>

const bodyOf = (body: HttpBody.HttpBody): Effect.Effect<Body> => {
  switch (body._tag) {
    case "Empty":
      return Effect.succeed(null)
    case "Uint8Array":
    case "Raw":
      return Effect.succeed(body.body as Uint8Array)
    case "FormData":
      return Effect.succeed(body.formData as Undici.FormData)
    case "Stream":
      return NodeStream.toReadable(body.stream)
  }
}

// An unread body holds its connection: a response collected unread gives it back.
const unread = new FinalizationRegistry<Readable>((body) => {
  if (!body.readableEnded) body.destroy()
})

const ignore = () => {}

/** Reads the body whole with `read`; interrupted, the body is destroyed (and the connection with it). */
const readWith = <A>(
  response: UndiciResponse,
  read: () => Promise<A>
): Effect.Effect<A, HttpClientError.ResponseError> =>
  Effect.async<A, HttpClientError.ResponseError>((resume) => {
    read().then(
      (value) => resume(Effect.succeed(value)),
      (cause) =>
        resume(
          Effect.fail(
            new HttpClientError.ResponseError({ request: response.request, response, reason: "Decode", cause })
          )
        )
    )
    return Effect.sync(() => response.source.body.destroy())
  })

class UndiciResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    readonly source: Undici.Dispatcher.ResponseData
  ) {
    super()
    source.body.on("error", ignore)
    unread.register(this, source.body)
  }

  get status(): number {
    return this.source.statusCode
  }

  private cachedHeaders: Headers.Headers | undefined
  get headers(): Headers.Headers {
    this.cachedHeaders ??= Headers.fromInput(this.source.headers)
    return this.cachedHeaders
  }

  private cachedCookies: Cookies.Cookies | undefined
  get cookies(): Cookies.Cookies {
    if (this.cachedCookies === undefined) {
      const header = this.source.headers["set-cookie"]
      this.cachedCookies =
        header === undefined ? Cookies.empty : Cookies.fromSetCookie(Array.isArray(header) ? header : [header])
    }
    return this.cachedCookies
  }

  get remoteAddress(): Option.Option<string> {
    return Option.none()
  }

  // A body is read once: every read after the first gets the same text (or the same failure).
  private textPromise: Promise<string> | undefined
  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return readWith(this, () => {
      this.textPromise ??= this.source.body.text()
      return this.textPromise
    })
  }

  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        try: () => (text === "" ? null : JSON.parse(text)),
        catch: (cause) => this.decodeError(cause)
      })
    )
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        try: () => UrlParams.fromInput(new URLSearchParams(text)),
        catch: (cause) => this.decodeError(cause)
      })
    )
  }

  private arrayBufferPromise: Promise<ArrayBuffer> | undefined
  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return readWith(this, () => {
      this.arrayBufferPromise ??= this.source.body.arrayBuffer()
      return this.arrayBufferPromise
    })
  }

  private formDataPromise: Promise<FormData> | undefined
  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return readWith(this, () => {
      this.formDataPromise ??= this.source.body.formData() as Promise<FormData>
      return this.formDataPromise
    })
  }

  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return NodeStream.fromReadable(
      () => this.source.body,
      (cause) => this.decodeError(cause)
    )
  }

  private decodeError(cause: unknown) {
    return new HttpClientError.ResponseError({ request: this.request, response: this, reason: "Decode", cause })
  }

  toJSON(): unknown {
    return HttpIncomingMessage.inspect(this, {
      _id: "@effect/platform/HttpClientResponse",
      request: this.request.toJSON(),
      status: this.status
    })
  }
}

/** One request: interrupted before the answer's head, undici aborts it (and its connection). */
const send = (
  dispatcher: Undici.Dispatcher,
  request: HttpClientRequest.HttpClientRequest,
  url: URL,
  body: Body
): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.RequestError> =>
  Effect.async<HttpClientResponse.HttpClientResponse, HttpClientError.RequestError>((resume, signal) => {
    dispatcher
      .request({
        signal,
        method: request.method,
        headers: request.headers,
        origin: url.origin,
        path: url.pathname + url.search + url.hash,
        body,
        // Deadlines are Effect's (`Deadline`), not undici's.
        headersTimeout: 60 * 60 * 1000,
        bodyTimeout: 0
      })
      .then(
        (response) => resume(Effect.succeed(new UndiciResponse(request, response))),
        (cause) => resume(Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause })))
      )
  })

/** The request's URL, or the `InvalidUrl` failure core reports as a setting to fix. */
const urlOf = (request: HttpClientRequest.HttpClientRequest) =>
  Either.mapLeft(
    UrlParams.makeUrl(request.url, request.urlParams, request.hash),
    (cause) => new HttpClientError.RequestError({ request, reason: "InvalidUrl", cause })
  )

/**
 * The client without the platform's per-request work: for programs whose tracer exports nothing (no span is
 * made either way).
 */
export const makeUntraced = (dispatcher: Undici.Dispatcher): HttpClient.HttpClient =>
  HttpClient.makeWith(
    (effect: Effect.Effect<HttpClientRequest.HttpClientRequest>) =>
      Effect.flatMap(
        effect,
        (request): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError> => {
          const url = urlOf(request)
          return Either.isLeft(url)
            ? Effect.fail(url.left)
            : Effect.flatMap(bodyOf(request.body), (body) => send(dispatcher, request, url.right, body))
        }
      ),
    Effect.succeed<HttpClientRequest.HttpClientRequest>
  )

/** The same requests through the platform's `HttpClient.make`: a span per request, trace headers. */
export const makeTraced = (dispatcher: Undici.Dispatcher): HttpClient.HttpClient =>
  HttpClient.make((request, url) =>
    Effect.flatMap(bodyOf(request.body), (body) => send(dispatcher, request, url, body))
  )
