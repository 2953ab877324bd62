/**
 * Request helpers shared by the handlers: body reading with the emulator's limits, Schema decoding
 * that names the offending field, the client credential header and the per-request context.
 */
import { IncomingMessage } from "node:http"
import { FileSystem, HttpIncomingMessage, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Context, Effect, Option, ParseResult, Ref, Schema } from "effect"
import { invalidRequest, missing, type OAuthError, payloadTooLarge } from "./errors.js"

/** Largest request body the emulator reads. */
export const maxBodyBytes = 64 * 1024

/** Per-request facts the router middleware reads after the handler ran. */
export class RequestContext extends Context.Tag("@coze-auth/emulator/internal/RequestContext")<
  RequestContext,
  { readonly logId: string; readonly grantType: Ref.Ref<Option.Option<string>> }
>() {}

export const noteGrantType = (grantType: string) =>
  Effect.flatMap(RequestContext, (context) => Ref.set(context.grantType, Option.some(grantType)))

export const json = (body: unknown, status = 200) => HttpServerResponse.unsafeJson(body, { status })

/** Both roles (api and www) are served here, so absolute URLs are built from the Host the client used. */
export const baseUrl = Effect.map(
  HttpServerRequest.HttpServerRequest,
  (request) => `http://${request.headers.host ?? "127.0.0.1"}`
)

/** The `Authorization: Bearer <x>` credential. Missing, `Bearer` and `Bearer ` all mean none (protocol §2). */
export const bearerCredential = Effect.map(HttpServerRequest.HttpServerRequest, (request) => {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? "")
  return Option.fromNullable(match?.[1])
})

/** Reads a request to its end, keeping at most `limit` bytes; `undefined` when it was longer. */
const readCapped = async (body: AsyncIterable<Buffer>, limit: number): Promise<string | undefined> => {
  const kept: Array<Buffer> = []
  let bytes = 0
  for await (const part of body) {
    bytes += part.length
    if (bytes <= limit) kept.push(part)
  }
  return bytes > limit ? undefined : Buffer.concat(kept).toString("utf8")
}

/**
 * The body as text, at most `maxBodyBytes`. A chunked body has no length to check up front, so it is read
 * to its end, keeping nothing past the limit: stopping early makes Node destroy the socket, and the client
 * would get no 413 at all. (Node's request is read directly: an Effect `Stream` here would end up in the
 * MCP server's startup bundle, which embeds the emulator only for its sandbox.)
 */
const readText = Effect.gen(function* () {
  const request = yield* HttpServerRequest.HttpServerRequest
  if (Number(request.headers["content-length"] ?? 0) > maxBodyBytes) return yield* payloadTooLarge(maxBodyBytes)
  if (!(request.source instanceof IncomingMessage)) {
    return yield* request.text.pipe(
      HttpIncomingMessage.withMaxBodySize(Option.some(FileSystem.Size(maxBodyBytes))),
      Effect.mapError(() => payloadTooLarge(maxBodyBytes))
    )
  }
  const source = request.source
  const text = yield* Effect.tryPromise({
    try: () => readCapped(source, maxBodyBytes),
    catch: () => invalidRequest("the body could not be read")
  })
  return text ?? (yield* payloadTooLarge(maxBodyBytes))
})

const isJsonContentType = (contentType: string) =>
  contentType.split(";")[0]!.trim().toLowerCase() === "application/json"

const parseObject = (text: string) =>
  Effect.gen(function* () {
    const body = yield* Effect.try({
      try: (): unknown => JSON.parse(text),
      catch: () => invalidRequest("body is not valid JSON")
    })
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      return yield* invalidRequest("body must be a JSON object")
    }
    return body
  })

/** The body as a JSON object, whatever its Content-Type. */
const readObject = Effect.flatMap(readText, parseObject)

/** The JSON object body of a protocol request, which must say it is JSON (as Coze requires). */
export const readJsonObject: Effect.Effect<unknown, OAuthError, HttpServerRequest.HttpServerRequest> = Effect.gen(
  function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    if (!isJsonContentType(request.headers["content-type"] ?? "")) {
      return yield* invalidRequest("Content-Type must be application/json")
    }
    return yield* readObject
  }
)

/** The fields of an HTML form post. */
export const readForm = Effect.map(readText, (text) => new URLSearchParams(text))

/** Decodes with `schema`; a failure becomes `invalid_request` naming the first bad field. */
export const decode =
  <A, I>(schema: Schema.Schema<A, I>) =>
  (input: unknown): Effect.Effect<A, OAuthError> =>
    Schema.decodeUnknown(schema)(input).pipe(
      Effect.mapError((error) => {
        const [issue] = ParseResult.ArrayFormatter.formatErrorSync(error)
        const field = issue?.path.join(".") ?? ""
        if (issue?._tag === "Missing") return missing(field)
        return invalidRequest(field === "" ? (issue?.message ?? "bad body") : `${field}: ${issue?.message}`)
      })
    )

/** Reads and decodes a protocol request's JSON body in one step. */
export const decodeJsonBody = <A, I>(schema: Schema.Schema<A, I>) => Effect.flatMap(readJsonObject, decode(schema))

const readControlObject = Effect.flatMap(readText, (text) => (text === "" ? Effect.succeed({}) : parseObject(text)))

/**
 * The control API takes JSON with any Content-Type, so a bare `curl -d '{…}'` works; no body at all reads as
 * `{}` (a bare `curl -X POST` for a call whose fields are all optional).
 */
export const decodeControlBody = <A, I>(schema: Schema.Schema<A, I>) =>
  Effect.flatMap(readControlObject, decode(schema))

/** Decodes the query string (absent parameters stay absent). */
export const decodeQuery = <A, I>(schema: Schema.Schema<A, I>) =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
    decode(schema)(Object.fromEntries(new URL(request.url, "http://emulator").searchParams))
  )
