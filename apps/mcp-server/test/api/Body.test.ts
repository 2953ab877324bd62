import { HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, TestClock } from "effect"
import * as Body from "../../src/api/Body.js"

const limits = { maxResultBytes: 4096, timeout: Duration.seconds(60) }

/** A response whose body sends `parts` and then, unless `end`, stays open for ever (a stalled server). */
const responseOf = (contentType: string, parts: ReadonlyArray<string>, end: boolean) => {
  const encoder = new TextEncoder()
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const part of parts) controller.enqueue(encoder.encode(part))
      if (end) controller.close()
    }
  })
  return HttpClientResponse.fromWeb(
    HttpClientRequest.get("http://127.0.0.1/v3/chat"),
    new Response(body, { headers: { "content-type": contentType } })
  )
}

describe("Body.read", () => {
  it.effect("returns what a stalled event stream sent once the timeout passes", () =>
    Effect.gen(function* () {
      const response = responseOf(
        "text/event-stream",
        ['event: conversation.chat.created\ndata: {"id":"1"}\n\n'],
        false
      )
      const fiber = yield* Effect.fork(Body.read(response, limits, "/v3/chat"))
      yield* TestClock.adjust("61 seconds")
      const read = yield* Fiber.join(fiber)
      assert.deepStrictEqual(read.body, [{ event: "conversation.chat.created", data: { id: "1" } }])
      assert.isTrue(read.truncated)
      assert.match(read.note!, /cut after 1m \(1 events kept/)
    })
  )

  it.effect("stops at the event count", () =>
    Effect.gen(function* () {
      const events = Array.from({ length: Body.maxEvents + 5 }, (_, i) => `data: ${i}\n\n`)
      const read = yield* Body.read(
        responseOf("text/event-stream", events, true),
        { ...limits, maxResultBytes: 1 << 20 },
        "/x"
      )
      assert.strictEqual((read.body as Array<unknown>).length, Body.maxEvents)
      assert.match(read.note!, new RegExp(`cut after ${Body.maxEvents} events`))
    })
  )

  it.effect("fails a plain body that does not arrive in time", () =>
    Effect.gen(function* () {
      const fiber = yield* Effect.fork(
        Effect.flip(Body.read(responseOf("text/plain", ["par"], false), limits, "/v1/x"))
      )
      yield* TestClock.adjust("61 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "TransportError")
      assert.match(error.message, /\/v1\/x did not arrive within 1m; .*COZE_AUTH_MCP_API_TIMEOUT/)
    })
  )

  it.effect("cuts a long text body at a character boundary", () =>
    Effect.gen(function* () {
      const read = yield* Body.read(responseOf("text/plain", ["é".repeat(3000)], true), limits, "/v1/x")
      assert.isTrue(read.truncated)
      assert.strictEqual(read.body, "é".repeat(2048))
    })
  )
})
