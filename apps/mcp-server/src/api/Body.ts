/**
 * Reading an API answer into a tool result, bounded: a body past `maxResultBytes` is cut (and read no further),
 * a server-sent event stream is collected up to a number of events, a size and a time, then let go. Either way
 * the result says what was cut and what to do about it; nothing here waits without a deadline.
 */

import { TransportError } from "@coze-auth/core/CozeError"
import * as Sse from "@effect/experimental/Sse"
import type { HttpClientError, HttpClientResponse } from "@effect/platform"
import { Duration, Effect, Option, Stream } from "effect"
import type { ApiLimits } from "../Settings.js"

/** Most events a collected stream keeps: a chat answer streams a few hundred deltas. */
export const maxEvents = 1000

export interface Read {
  readonly body: unknown
  readonly truncated: boolean
  readonly note?: string
}

export interface StreamEvent {
  readonly event: string
  readonly data: unknown
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** UTF-8 text of at most `limit` bytes, not ending in a torn character. */
const decodePrefix = (bytes: Uint8Array, limit: number) =>
  new TextDecoder().decode(bytes.subarray(0, limit)).replace(/\uFFFD$/, "")

const concat = (chunks: ReadonlyArray<Uint8Array>, size: number) => {
  const all = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    all.set(chunk, offset)
    offset += chunk.length
  }
  return all
}

const isJson = (contentType: string) => /[/+]json\b/i.test(contentType)

/**
 * The body's first `limit + 1` bytes: one past the limit tells it is cut, and the rest is never read. A JSON
 * body has been read whole already (`AuthHttpClient` looks in it for Coze's 4100), so it comes from that text.
 */
const prefixOf = (response: HttpClientResponse.HttpClientResponse, limit: number) =>
  isJson(response.headers["content-type"] ?? "")
    ? Effect.map(response.text, (text) => new TextEncoder().encode(text))
    : response.stream.pipe(
        Stream.runFoldWhile(
          { chunks: [] as Array<Uint8Array>, size: 0 },
          (acc) => acc.size <= limit,
          (acc, chunk) => {
            acc.chunks.push(chunk)
            return { chunks: acc.chunks, size: acc.size + chunk.length }
          }
        ),
        Effect.map(({ chunks, size }) => concat(chunks, size))
      )

/** The body: parsed JSON when it is JSON, else text; cut at `maxResultBytes` with a note. */
const readBounded = (response: HttpClientResponse.HttpClientResponse, limits: ApiLimits) =>
  Effect.gen(function* () {
    const limit = limits.maxResultBytes
    const bytes = yield* prefixOf(response, limit)
    if (bytes.length <= limit) {
      const text = new TextDecoder().decode(bytes)
      const contentType = response.headers["content-type"] ?? ""
      return { body: isJson(contentType) || /^\s*[[{]/.test(text) ? parseJson(text) : text, truncated: false }
    }
    const length = Number(response.headers["content-length"])
    const whole = Number.isFinite(length) && length > limit ? ` (${length} bytes)` : ""
    return {
      body: decodePrefix(bytes, limit),
      truncated: true,
      note:
        `The answer${whole} is larger than ${limit} bytes, so body holds only its first ${limit} bytes, as text. ` +
        "Ask for less (a smaller page_size, the next page, a narrower query), or raise COZE_AUTH_MCP_MAX_RESULT_BYTES."
    } satisfies Read
  })

const streamNote = (why: string, kept: number) =>
  `The event stream was cut after ${why} (${kept} events kept in body). For the whole answer, call it without ` +
  'streaming ("stream": false in the body) and fetch the result once it is done (for a chat: /v3/chat/retrieve ' +
  "and /v3/chat/message/list)."

/** A server-sent event stream, collected into `[{ event, data }]` (data parsed when JSON) within the bounds. */
const collectEvents = (response: HttpClientResponse.HttpClientResponse, limits: ApiLimits) =>
  Effect.gen(function* () {
    const events: Array<StreamEvent> = []
    let size = 0
    let cut: string | undefined
    const parser = Sse.makeParser(
      (event) => {
        if (event._tag !== "Event" || cut !== undefined) return
        const bytes = Buffer.byteLength(event.event) + Buffer.byteLength(event.data)
        if (events.length >= maxEvents) cut = `${maxEvents} events`
        else if (size + bytes > limits.maxResultBytes) cut = `${limits.maxResultBytes} bytes`
        else {
          size += bytes
          events.push({ event: event.event, data: parseJson(event.data) })
        }
      },
      { maxEventSize: limits.maxResultBytes }
    )
    const finished = yield* response.stream.pipe(
      Stream.decodeText(),
      Stream.runForEachWhile((text) =>
        Effect.sync(() => {
          if (parser.feed(text) !== undefined) cut ??= `an event larger than ${limits.maxResultBytes} bytes`
          return cut === undefined
        })
      ),
      Effect.timeoutOption(limits.timeout)
    )
    if (Option.isNone(finished)) cut ??= Duration.format(limits.timeout)
    return {
      body: events,
      truncated: cut !== undefined,
      ...(cut === undefined ? {} : { note: streamNote(cut, events.length) })
    } satisfies Read
  })

export const isEventStream = (response: HttpClientResponse.HttpClientResponse) =>
  (response.headers["content-type"] ?? "").toLowerCase().startsWith("text/event-stream")

/** Reading failed half-way (a reset connection), or a plain body did not arrive in time. */
const readFailed = (url: string, error: HttpClientError.ResponseError) =>
  new TransportError({ description: `reading the answer of ${url} failed (${error.reason})`, cause: error.cause })

export const tooSlow = (url: string, limits: ApiLimits) =>
  new TransportError({
    description: `the answer of ${url} did not arrive within ${Duration.format(limits.timeout)}`,
    hint: "try again, or raise COZE_AUTH_MCP_API_TIMEOUT (seconds) for a slow endpoint"
  })

/** The answer's body within `limits`: a plain body must arrive within the timeout, a stream is cut at it. */
export const read = (
  response: HttpClientResponse.HttpClientResponse,
  limits: ApiLimits,
  url: string
): Effect.Effect<Read, TransportError> => {
  const body: Effect.Effect<Read, HttpClientError.ResponseError | TransportError> = isEventStream(response)
    ? collectEvents(response, limits)
    : readBounded(response, limits).pipe(
        Effect.timeoutFail({ duration: limits.timeout, onTimeout: () => tooSlow(url, limits) })
      )
  return Effect.catchTag(body, "ResponseError", (error) => Effect.fail(readFailed(url, error)))
}
