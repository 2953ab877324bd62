/**
 * An `HttpClient` straight over `node:http` / `node:https` with keep-alive agents. The platform's clients wrap
 * every request in an `AbortController`, a second response object and a `FinalizationRegistry` entry, read the
 * body through `Effect.cached` and (its `node:http` client) through Effect streams: 0.1–1.6 ms of CPU per
 * request on loopback (docs/benchmarks.md). This one does the same work with less: interruption aborts the
 * request or the body read (destroying it), a response dropped unread frees its
 * connection when collected, no redirect is followed (`node:http` never does), and a failure is a
 * `RequestError` / `ResponseError` whose cause is Node's own error, code and all (`ECONNREFUSED`, `ENOTFOUND`,
 * TLS codes), for core's transport classification. `node:http` is part of Node: nothing is loaded on the
 * first request.
 */
import * as http from "node:http"
import * as https from "node:https"
import { pipeline, Readable } from "node:stream"
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
import { Effect, Either, Inspectable, Option, type Stream } from "effect"

/** One keep-alive agent per protocol, for as long as the client lives. */
export interface Agents {
  readonly http: http.Agent
  readonly https: https.Agent
}

export const makeAgents = (): Agents => ({
  http: new http.Agent({ keepAlive: true }),
  https: new https.Agent({ keepAlive: true })
})

export const closeAgents = (agents: Agents): void => {
  agents.http.destroy()
  agents.https.destroy()
}

// An unread body holds its connection: a response collected unread gives it back.
const unread = new FinalizationRegistry<http.IncomingMessage>((body) => {
  if (!body.readableEnded) body.destroy()
})

const ignore = () => {}

/** The body's bytes; a connection that closes before its end is a failure (`ECONNRESET`). */
const readAll = (source: http.IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    source.on("data", (chunk: Buffer) => chunks.push(chunk))
    source.on("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)))
    source.on("error", reject)
    // `close` follows `end` or `error`; alone, the answer was cut off (a promise settles once).
    source.on("close", () =>
      reject(Object.assign(new Error("the connection closed before the end of the answer"), { code: "ECONNRESET" }))
    )
  })

/** Reads the body whole with `read`; interrupted, the body is destroyed (and the connection with it). */
const readWith = <A>(response: NodeResponse, read: () => Promise<A>): Effect.Effect<A, HttpClientError.ResponseError> =>
  Effect.async<A, HttpClientError.ResponseError>((resume) => {
    read().then(
      (value) => resume(Effect.succeed(value)),
      (cause) => resume(Effect.fail(response.decodeError(cause)))
    )
    return Effect.sync(() => response.source.destroy())
  })

class NodeResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    readonly source: http.IncomingMessage
  ) {
    super()
    source.on("error", ignore)
    unread.register(this, source)
  }

  get status(): number {
    return this.source.statusCode ?? 0
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
      this.cachedCookies = header === undefined ? Cookies.empty : Cookies.fromSetCookie(header)
    }
    return this.cachedCookies
  }

  get remoteAddress(): Option.Option<string> {
    return Option.fromNullable(this.source.socket?.remoteAddress)
  }

  // A body is read once: every read after the first gets the same bytes (or the same failure).
  private bytesPromise: Promise<Buffer> | undefined
  private bytes(): Promise<Buffer> {
    this.bytesPromise ??= readAll(this.source)
    return this.bytesPromise
  }

  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return readWith(this, () => this.bytes().then((bytes) => bytes.toString("utf8")))
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

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return readWith(this, () => this.bytes().then((bytes) => new Uint8Array(bytes).buffer))
  }

  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return readWith(this, () =>
      this.bytes().then((bytes) =>
        new Response(new Uint8Array(bytes), {
          headers: { "content-type": this.source.headers["content-type"] ?? "" }
        }).formData()
      )
    )
  }

  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return NodeStream.fromReadable(
      () => this.source,
      (cause) => this.decodeError(cause)
    )
  }

  decodeError(cause: unknown) {
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

/** The body as `node:http` writes it, with the headers only the body knows (a multipart boundary). */
const bodyOf = (
  body: HttpBody.HttpBody
): Effect.Effect<{ readonly data: Uint8Array | Readable | undefined; readonly headers?: Record<string, string> }> => {
  switch (body._tag) {
    case "Empty":
      return Effect.succeed({ data: undefined })
    case "Uint8Array":
    case "Raw":
      return Effect.succeed({ data: body.body as Uint8Array })
    case "FormData": {
      // Encoded as fetch encodes it: the multipart boundary is in its content type.
      const encoded = new Response(body.formData)
      return Effect.promise(() =>
        encoded.arrayBuffer().then((buffer) => ({
          data: new Uint8Array(buffer),
          headers: { "content-type": encoded.headers.get("content-type") ?? "multipart/form-data" }
        }))
      )
    }
    case "Stream":
      return Effect.map(NodeStream.toReadable(body.stream), (data) => ({ data }))
  }
}

/** One request: interrupted before the answer's head, the request is aborted (and its connection closed). */
const send = (
  agents: Agents,
  request: HttpClientRequest.HttpClientRequest,
  url: URL
): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.RequestError> =>
  Effect.flatMap(bodyOf(request.body), ({ data, headers }) =>
    Effect.async<HttpClientResponse.HttpClientResponse, HttpClientError.RequestError>((resume) => {
      const secure = url.protocol === "https:"
      const outgoing = (secure ? https : http).request(url, {
        method: request.method,
        headers: headers === undefined ? request.headers : { ...request.headers, ...headers },
        agent: secure ? agents.https : agents.http
      })
      outgoing.on("response", (response) => resume(Effect.succeed(new NodeResponse(request, response))))
      outgoing.on("error", (cause) =>
        resume(Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause })))
      )
      if (data instanceof Readable) pipeline(data, outgoing, ignore)
      else outgoing.end(data)
      // Interrupted before the answer's head: the request and its connection go (no AbortSignal: making one
      // costs more than the rest of this function).
      return Effect.sync(() => outgoing.destroy())
    })
  )

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
export const makeUntraced = (agents: Agents): HttpClient.HttpClient =>
  HttpClient.makeWith(
    (effect: Effect.Effect<HttpClientRequest.HttpClientRequest>) =>
      Effect.flatMap(
        effect,
        (request): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError> => {
          const url = urlOf(request)
          return Either.isLeft(url) ? Effect.fail(url.left) : send(agents, request, url.right)
        }
      ),
    Effect.succeed<HttpClientRequest.HttpClientRequest>
  )

/** The same requests through the platform's `HttpClient.make`: a span per request, trace headers. */
export const makeTraced = (agents: Agents): HttpClient.HttpClient =>
  HttpClient.make((request, url) => send(agents, request, url))
