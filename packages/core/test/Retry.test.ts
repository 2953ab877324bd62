import { HttpClient, HttpClientError } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Redacted, Ref, TestClock } from "effect"
import { decodeJwt } from "jose"
import { ServerError } from "../src/CozeError.js"
import * as Deadline from "../src/Deadline.js"
import * as DeviceOAuth from "../src/DeviceOAuth.js"
import * as JwtOAuth from "../src/JwtOAuth.js"
import * as PkceOAuth from "../src/PkceOAuth.js"
import * as Retry from "../src/Retry.js"
import { connectionReset, jsonResponse, rsaKeys, runToCompletion, sleepingWithin, stubClient } from "./utils/index.js"

const token = { access_token: "czu_new", expires_in: 2_000_000_000, refresh_token: "rt_new" }

const deviceCodeAnswer = {
  device_code: "dc",
  user_code: "ABCD-EFGH",
  verification_uri: "https://www.coze.com/verify",
  expires_in: 300,
  interval: 5
}

type Reply = Parameters<typeof stubClient>[0]

/** Runs `call` with a PKCE app over a stub client answering `reply(attempt)`, in the background. */
const pkceWith = <A, E>(reply: Reply, call: (pkce: PkceOAuth.Service) => Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    const { attempts, client } = yield* stubClient(reply)
    const pkce = yield* PkceOAuth.make({ clientId: "1.app.coze" }).pipe(
      Effect.provideService(HttpClient.HttpClient, client)
    )
    const fiber = yield* Effect.fork(call(pkce))
    return { attempts, fiber }
  })

/** A refresh through PkceOAuth over a stub client answering `reply(attempt)`. */
const refreshWith = (reply: Reply) => pkceWith(reply, (pkce) => pkce.refresh(Redacted.make("rt_old")))

/** A device-code request (no grant spent: the full transient policy) over a stub client. */
const deviceCodeWith = (reply: Reply) =>
  Effect.gen(function* () {
    const { attempts, client } = yield* stubClient(reply)
    const device = yield* DeviceOAuth.make({ clientId: "1.app.coze" }).pipe(
      Effect.provideService(HttpClient.HttpClient, client)
    )
    const fiber = yield* Effect.fork(device.deviceCode())
    return { attempts, fiber }
  })

describe("Retry", () => {
  it.effect("honours Retry-After on a 503, then succeeds", () =>
    Effect.gen(function* () {
      const { attempts, fiber } = yield* deviceCodeWith((attempt) =>
        Effect.succeed(
          attempt === 1 ? jsonResponse(503, {}, { "retry-after": "3" }) : jsonResponse(200, deviceCodeAnswer)
        )
      )
      yield* sleepingWithin(3)
      yield* TestClock.adjust("2900 millis")
      yield* sleepingWithin(0.1) // still waiting out the Retry-After
      assert.strictEqual(yield* Ref.get(attempts), 1)
      yield* TestClock.adjust("100 millis")
      const result = yield* Fiber.join(fiber)
      assert.strictEqual(yield* Ref.get(attempts), 2)
      assert.strictEqual(result.userCode, "ABCD-EFGH")
    })
  )

  it.effect("retries a connection reset and a torn body", () =>
    Effect.gen(function* () {
      const { attempts, fiber } = yield* deviceCodeWith((attempt, request) =>
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
            : Effect.succeed(jsonResponse(200, deviceCodeAnswer))
      )
      yield* runToCompletion([fiber])
      yield* Fiber.join(fiber)
      assert.strictEqual(yield* Ref.get(attempts), 3)
    })
  )

  // Real time passes while these bodies arrive, with the request and operation deadlines pending on the
  // TestClock: the clock must move only for the retry waits, or the deadlines would fire before their time.
  it.effect("a 503 whose body takes real time to arrive is retried like any other", () =>
    Effect.gen(function* () {
      const arriving = (status: number, body: unknown) =>
        new Response(
          new ReadableStream({
            start: (controller) => {
              setTimeout(() => {
                controller.enqueue(new TextEncoder().encode(JSON.stringify(body)))
                controller.close()
              }, 5)
            }
          }),
          { status }
        )
      const { attempts, fiber } = yield* deviceCodeWith((attempt) =>
        Effect.succeed(attempt < 3 ? arriving(503, {}) : arriving(200, deviceCodeAnswer))
      )
      yield* runToCompletion([fiber])
      assert.strictEqual((yield* Fiber.join(fiber)).userCode, "ABCD-EFGH")
      assert.strictEqual(yield* Ref.get(attempts), 3)
    })
  )

  it.effect("gives up after the bound with the last ServerError", () =>
    Effect.gen(function* () {
      const { attempts, fiber } = yield* deviceCodeWith(() => Effect.succeed(jsonResponse(502, {})))
      yield* runToCompletion([fiber])
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

  it.effect("an invalid URL is a ConfigError, failed at once and never retried", () =>
    Effect.gen(function* () {
      const { attempts, fiber } = yield* deviceCodeWith((_, request) =>
        Effect.fail(new HttpClientError.RequestError({ request, reason: "InvalidUrl" }))
      )
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert.strictEqual(error._tag, "ConfigError")
      assert.strictEqual(yield* Ref.get(attempts), 1)
    })
  )

  it.effect("a refresh or a code exchange is not resent after a 5xx, a reset or a timeout", () =>
    Effect.gen(function* () {
      const failures: ReadonlyArray<Reply> = [
        (attempt) => Effect.succeed(attempt === 1 ? jsonResponse(503, {}) : jsonResponse(200, token)),
        (attempt, request) =>
          attempt === 1 ? Effect.fail(connectionReset(request)) : Effect.succeed(jsonResponse(200, token)),
        (attempt) => (attempt === 1 ? Effect.never : Effect.succeed(jsonResponse(200, token)))
      ]
      for (const reply of failures) {
        const refresh = yield* refreshWith(reply)
        const exchange = yield* pkceWith(reply, (pkce) =>
          pkce.exchange({ code: "code", codeVerifier: Redacted.make("v"), redirectUri: "http://127.0.0.1/cb" })
        )
        // The third never answers: its request deadline is what ends it.
        yield* runToCompletion([refresh.fiber, exchange.fiber], { upTo: Deadline.defaults.request })
        // The server may have rotated the refresh token or spent the code: the same value would be refused.
        for (const { attempts, fiber } of [refresh, exchange]) {
          const error = yield* Effect.flip(Fiber.join(fiber))
          assert.include(["ServerError", "TransportError"], error._tag)
          assert.strictEqual(yield* Ref.get(attempts), 1)
        }
      }
    })
  )

  it.effect("a refresh is resent after a 429: the server refused it unprocessed", () =>
    Effect.gen(function* () {
      const { attempts, fiber } = yield* refreshWith((attempt) =>
        Effect.succeed(attempt === 1 ? jsonResponse(429, {}, { "retry-after": "1" }) : jsonResponse(200, token))
      )
      yield* runToCompletion([fiber])
      assert.strictEqual(Redacted.value((yield* Fiber.join(fiber)).accessToken), "czu_new")
      assert.strictEqual(yield* Ref.get(attempts), 2)
      assert.isTrue(Retry.isUnprocessed(new ServerError({ description: "rate limited", status: 429 })))
      assert.isFalse(Retry.isUnprocessed(new ServerError({ description: "bad gateway", status: 502 })))
    })
  )

  it.effect("a JWT token is retried on every transient failure, with a fresh JWT each time", () =>
    Effect.gen(function* () {
      const jtis: Array<string> = []
      const { attempts, client } = yield* stubClient((attempt, request) => {
        jtis.push(String(decodeJwt((request.headers.authorization ?? "").replace("Bearer ", "")).jti))
        return attempt === 1
          ? Effect.fail(connectionReset(request))
          : attempt === 2
            ? Effect.succeed(jsonResponse(503, {}))
            : Effect.succeed(jsonResponse(200, { access_token: "czs_new", expires_in: 2_000_000_000 }))
      })
      const jwt = yield* JwtOAuth.make({
        clientId: "1.app.coze",
        privateKey: Redacted.make(rsaKeys().pkcs8),
        publicKeyId: "kid"
      }).pipe(Effect.provideService(HttpClient.HttpClient, client))
      const fiber = yield* Effect.fork(jwt.token())
      yield* runToCompletion([fiber])
      assert.strictEqual(Redacted.value((yield* Fiber.join(fiber)).accessToken), "czs_new")
      assert.strictEqual(yield* Ref.get(attempts), 3)
      assert.strictEqual(new Set(jtis).size, 3)
    })
  )
})
