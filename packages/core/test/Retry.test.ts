import { HttpClient, HttpClientError } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Redacted, Ref, TestClock } from "effect"
import * as PkceOAuth from "../src/PkceOAuth.js"
import * as Retry from "../src/Retry.js"
import { connectionReset, jsonResponse, settle, stubClient } from "./utils/index.js"

const token = { access_token: "czu_new", expires_in: 2_000_000_000, refresh_token: "rt_new" }

/** A refresh through PkceOAuth over a stub client answering `reply(attempt)`. */
const refreshWith = (reply: Parameters<typeof stubClient>[0]) =>
  Effect.gen(function* () {
    const { attempts, client } = yield* stubClient(reply)
    const pkce = yield* PkceOAuth.make({ clientId: "1.app.coze" }).pipe(
      Effect.provideService(HttpClient.HttpClient, client)
    )
    const fiber = yield* Effect.fork(pkce.refresh(Redacted.make("rt_old")))
    return { attempts, fiber }
  })

describe("Retry", () => {
  it.effect("honours Retry-After on a 503, then succeeds", () =>
    Effect.gen(function* () {
      const { attempts, fiber } = yield* refreshWith((attempt) =>
        Effect.succeed(attempt === 1 ? jsonResponse(503, {}, { "retry-after": "3" }) : jsonResponse(200, token))
      )
      yield* settle
      yield* TestClock.adjust("2900 millis")
      yield* settle
      assert.strictEqual(yield* Ref.get(attempts), 1)
      yield* TestClock.adjust("100 millis")
      const result = yield* Fiber.join(fiber)
      assert.strictEqual(yield* Ref.get(attempts), 2)
      assert.strictEqual(Redacted.value(result.accessToken), "czu_new")
    })
  )

  it.effect("retries a connection reset and a torn body", () =>
    Effect.gen(function* () {
      const { attempts, fiber } = yield* refreshWith((attempt, request) =>
        attempt === 1
          ? Effect.fail(connectionReset(request))
          : attempt === 2
            ? Effect.succeed(
                new Response(
                  new ReadableStream({
                    start: (controller) => {
                      controller.enqueue(new TextEncoder().encode('{"access_tok'))
                      controller.error(new Error("socket hang up"))
                    }
                  }),
                  { status: 200 }
                )
              )
            : Effect.succeed(jsonResponse(200, token))
      )
      yield* settle
      yield* TestClock.adjust("1 seconds")
      yield* settle
      yield* TestClock.adjust("1 seconds")
      yield* Fiber.join(fiber)
      assert.strictEqual(yield* Ref.get(attempts), 3)
    })
  )

  it.effect("gives up after the bound with the last ServerError", () =>
    Effect.gen(function* () {
      const { attempts, fiber } = yield* refreshWith(() => Effect.succeed(jsonResponse(502, {})))
      for (let i = 0; i < 10; i++) {
        yield* settle
        yield* TestClock.adjust("10 seconds")
      }
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert.strictEqual(error._tag, "ServerError")
      assert.strictEqual(yield* Ref.get(attempts), Retry.maxRetries + 1)
    })
  )

  it.effect("never retries protocol errors; a non-JSON 200 is MalformedResponse", () =>
    Effect.gen(function* () {
      const denied = yield* refreshWith(() => Effect.succeed(jsonResponse(400, { error_code: "invalid_grant" })))
      assert.strictEqual((yield* Effect.flip(Fiber.join(denied.fiber)))._tag, "InvalidGrant")
      assert.strictEqual(yield* Ref.get(denied.attempts), 1)
      const html = yield* refreshWith(() => Effect.succeed(new Response("<html>proxy</html>", { status: 200 })))
      assert.strictEqual((yield* Effect.flip(Fiber.join(html.fiber)))._tag, "MalformedResponse")
      assert.strictEqual(yield* Ref.get(html.attempts), 1)
    })
  )

  it.effect("an invalid URL is a TransportError, not a defect", () =>
    Effect.gen(function* () {
      const { fiber } = yield* refreshWith((_, request) =>
        Effect.fail(new HttpClientError.RequestError({ request, reason: "InvalidUrl" }))
      )
      for (let i = 0; i < 6; i++) {
        yield* settle
        yield* TestClock.adjust("10 seconds")
      }
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert.strictEqual(error._tag, "TransportError")
    })
  )
})
