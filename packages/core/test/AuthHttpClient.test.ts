import { HttpClient, HttpClientResponse } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Clock, DateTime, Deferred, Effect, Either, Layer, Option, Redacted, Ref } from "effect"
import * as AuthHttpClient from "../src/AuthHttpClient.js"
import * as Credentials from "../src/Credentials.js"
import * as Region from "../src/Region.js"
import { Token } from "../src/Token.js"
import * as TokenStore from "../src/TokenStore.js"

const issue = (n: number) =>
  Effect.map(Clock.currentTimeMillis, (now) =>
    Token.make({
      accessToken: Redacted.make(`at-${n}`),
      refreshToken: Option.some(Redacted.make(`rt-${n}`)),
      expiresAt: Option.some(DateTime.unsafeMake(now + 900_000)),
      obtainedAt: DateTime.unsafeMake(now),
      flow: "pkce",
      logId: Option.none()
    })
  )

type Answer = "ok" | "401" | "4100"

/**
 * An OpenAPI stand-in that accepts only the tokens in `valid` and answers a rejected one the way `rejection`
 * says: HTTP 401, or HTTP 200 with Coze code 4100. It records every request's URL and bearer.
 */
const setup = (options: {
  readonly valid: ReadonlyArray<string>
  readonly rejection: Exclude<Answer, "ok">
  /** Answer every rejection after the first only once a valid token came by (a slow request of a burst). */
  readonly lateRejections?: boolean
}) =>
  Effect.gen(function* () {
    const seen = yield* Ref.make<ReadonlyArray<{ url: string; bearer: string }>>([])
    const refreshes = yield* Ref.make(0)
    const rejections = yield* Ref.make(0)
    const validSeen = yield* Deferred.make<void>()
    const stub = HttpClient.make((request) =>
      Effect.gen(function* () {
        const bearer = (request.headers.authorization ?? "").replace("Bearer ", "")
        yield* Ref.update(seen, (all) => [...all, { url: request.url, bearer }])
        const ok = options.valid.includes(bearer)
        if (ok) yield* Deferred.succeed(validSeen, undefined)
        if (!ok && (yield* Ref.updateAndGet(rejections, (n) => n + 1)) > 1 && options.lateRejections) {
          yield* Deferred.await(validSeen)
        }
        const body = ok
          ? { code: 0, msg: "", data: { user_id: "u1" } }
          : { code: 4100, msg: "authentication is invalid" }
        const status = ok || options.rejection === "4100" ? 200 : 401
        const headers = { "content-type": "application/json" }
        return HttpClientResponse.fromWeb(request, new Response(JSON.stringify(body), { status, headers }))
      })
    )
    const refresh = () =>
      Effect.flatMap(
        Ref.updateAndGet(refreshes, (n) => n + 1),
        issue
      )
    const store = yield* TokenStore.makeMemory
    yield* store.set("default", yield* issue(0))
    const client = yield* AuthHttpClient.make({ region: Region.custom({ apiBase: "https://api.example.test" }) }).pipe(
      Effect.provide(
        Credentials.layer({
          profile: "default",
          source: Credentials.Source.Refreshable({ flow: "pkce", refresh })
        }).pipe(
          Layer.provide(Layer.succeed(TokenStore.TokenStore, store)),
          Layer.merge(Layer.succeed(HttpClient.HttpClient, stub))
        )
      )
    )
    return { client, seen: Ref.get(seen), refreshes: Ref.get(refreshes) }
  })

describe("AuthHttpClient", () => {
  it.effect("prefixes the api base and adds the bearer", () =>
    Effect.gen(function* () {
      const { client, seen, refreshes } = yield* setup({ valid: ["at-0"], rejection: "401" })
      const response = yield* client.get("/v1/users/me")
      assert.strictEqual(response.status, 200)
      assert.deepStrictEqual(yield* seen, [{ url: "https://api.example.test/v1/users/me", bearer: "at-0" }])
      assert.strictEqual(yield* refreshes, 0)
    })
  )

  for (const rejection of ["401", "4100"] as const) {
    it.effect(`a ${rejection} refreshes once and retries once`, () =>
      Effect.gen(function* () {
        const { client, seen, refreshes } = yield* setup({ valid: ["at-1"], rejection })
        const body = yield* Effect.flatMap(client.get("/v1/users/me"), (response) => response.json)
        assert.deepStrictEqual(body, { code: 0, msg: "", data: { user_id: "u1" } })
        assert.deepStrictEqual(
          (yield* seen).map((request) => request.bearer),
          ["at-0", "at-1"]
        )
        assert.strictEqual(yield* refreshes, 1)
      })
    )

    it.effect(`a ${rejection} after the refresh is returned, not retried again`, () =>
      Effect.gen(function* () {
        const { client, seen, refreshes } = yield* setup({ valid: [], rejection })
        const response = yield* client.get("/v1/users/me")
        assert.strictEqual(response.status, rejection === "401" ? 401 : 200)
        assert.strictEqual((yield* response.json as Effect.Effect<{ code: number }>).code, 4100)
        assert.strictEqual((yield* seen).length, 2)
        assert.strictEqual(yield* refreshes, 1)
      })
    )
  }

  it.effect("two requests rejected with the same token cause one refresh", () =>
    Effect.gen(function* () {
      const { client, seen, refreshes } = yield* setup({ valid: ["at-1"], rejection: "401", lateRejections: true })
      const responses = yield* Effect.all([client.get("/v1/a"), client.get("/v1/b")], { concurrency: 2 })
      assert.deepStrictEqual(
        responses.map((response) => response.status),
        [200, 200]
      )
      assert.strictEqual(yield* refreshes, 1)
      assert.deepStrictEqual([...(yield* seen).map((request) => request.bearer)].sort(), [
        "at-0",
        "at-0",
        "at-1",
        "at-1"
      ])
    })
  )

  for (const url of [".attacker.example/x", "@attacker.example/x", "https://attacker.example/x"]) {
    it.effect(`refuses ${url}: no request, no bearer`, () =>
      Effect.gen(function* () {
        const { client, seen } = yield* setup({ valid: ["at-0"], rejection: "401" })
        const error = yield* Effect.flip(client.get(url))
        assert.isTrue(error._tag === "RequestError" && error.reason === "InvalidUrl", error._tag)
        assert.lengthOf(yield* seen, 0)
      })
    )
  }

  it.effect("accepts an absolute URL on the api base's origin, and keeps a base path", () =>
    Effect.gen(function* () {
      const { client, seen } = yield* setup({ valid: ["at-0"], rejection: "401" })
      yield* client.get("https://api.example.test/v1/users/me?x=1")
      assert.strictEqual((yield* seen)[0]?.url, "https://api.example.test/v1/users/me?x=1")
      assert.deepStrictEqual(
        AuthHttpClient.resolveUrl("https://proxy.test/coze", "/v1/x"),
        Either.right("https://proxy.test/coze/v1/x")
      )
      assert.isTrue(Either.isLeft(AuthHttpClient.resolveUrl("http://[bad", "/v1/x")))
    })
  )

  it.effect("a static token that is rejected is not sent twice", () =>
    Effect.gen(function* () {
      const pat = yield* issue(7)
      const stub = HttpClient.make((request) =>
        Effect.succeed(HttpClientResponse.fromWeb(request, new Response("{}", { status: 401 })))
      )
      const calls = yield* Ref.make(0)
      const counted = HttpClient.tapRequest(stub, () => Ref.update(calls, (n) => n + 1))
      const client = AuthHttpClient.authenticate(counted, {
        region: Region.cn,
        credentials: yield* Credentials.make({
          profile: "pat",
          source: Credentials.Source.Static({ token: pat })
        }).pipe(Effect.provide(TokenStore.layerMemory))
      })
      assert.strictEqual((yield* client.get("/v1/users/me")).status, 401)
      assert.strictEqual(yield* Ref.get(calls), 1)
    })
  )
})
