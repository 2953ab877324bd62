import { HttpClient, HttpClientRequest } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Either, FastCheck, Redacted, Ref, TestClock } from "effect"
import * as CozeError from "../src/CozeError.js"
import * as DeviceOAuth from "../src/DeviceOAuth.js"
import * as Dialect from "../src/Dialect.js"
import * as Region from "../src/Region.js"
import { jsonResponse, stubClient } from "./utils/index.js"

const grant = Dialect.Grant.RefreshToken({ clientId: "1.app.coze", refreshToken: Redacted.make("rt") })

const decode = (status: number, body: unknown, region: Region.Region = Region.com) =>
  Dialect.decodeError({ status, logId: "LOG", body }, region)

describe("Dialect.decodeError", () => {
  it.prop(
    "any status and any JSON give a typed error without throwing",
    [FastCheck.integer({ min: 100, max: 599 }), FastCheck.jsonValue()],
    ([status, body]) => CozeError.isCozeError(decode(status, body))
  )

  it.prop(
    "any object with either naming scheme gives a typed error",
    [
      FastCheck.integer({ min: 100, max: 599 }),
      FastCheck.record(
        {
          error_code: FastCheck.oneof(FastCheck.string(), FastCheck.constant(null)),
          error_message: FastCheck.oneof(FastCheck.string(), FastCheck.jsonValue()),
          error: FastCheck.string(),
          error_description: FastCheck.string(),
          code: FastCheck.oneof(FastCheck.integer(), FastCheck.string()),
          msg: FastCheck.jsonValue(),
          detail: FastCheck.jsonValue()
        },
        { requiredKeys: [] }
      )
    ],
    ([status, body]) => CozeError.isCozeError(decode(status, body))
  )

  it("maps both naming schemes, access_deny, 4100 and hints", () => {
    const cases: Array<[number, unknown, CozeError.CozeError["_tag"]]> = [
      [400, { error_code: "authorization_pending" }, "AuthorizationPending"],
      [400, { error: "slow_down", error_description: "slow" }, "SlowDown"],
      [400, { error: "access_denied" }, "AccessDenied"],
      [400, { error_code: "access_deny", error_message: "invalid app type" }, "AccessDenied"],
      [
        400,
        { error_code: "access_deny", error_message: "app: x is currently deactivated by the owner" },
        "AppDisabled"
      ],
      [400, { error_code: "expired_token" }, "ExpiredToken"],
      [400, { error_code: "invalid_grant" }, "InvalidGrant"],
      [401, { error_code: "invalid_client", error_message: "/" }, "InvalidClient"],
      [400, { error_code: "invalid_request" }, "InvalidRequest"],
      [400, { error_code: "unsupported_grant_type" }, "UnsupportedGrantType"],
      [500, { error_code: "internal_error" }, "ServerError"],
      [200, { error_code: "authorization_pending" }, "AuthorizationPending"],
      [401, { code: 4100, msg: "authentication is invalid", detail: { logid: "X" } }, "Unauthorized"],
      [403, { code: 4101, msg: "no permission" }, "Unauthorized"],
      [503, "<html>", "ServerError"],
      [404, "<html>", "MalformedResponse"]
    ]
    for (const [status, body, tag] of cases) assert.strictEqual(decode(status, body)._tag, tag, JSON.stringify(body))
  })

  it("hints at the other region, unregistered keys and redirect URIs", () => {
    assert.include(
      decode(401, { error_code: "invalid_client" }, Region.com).message,
      "COZE_API_BASE=https://api.coze.cn"
    )
    assert.include(
      decode(401, { error_code: "invalid_client", error_message: "invalid jwt: kid not been registred" }).message,
      "public key id"
    )
    assert.include(decode(401, { code: 4100, msg: "x" }, Region.cn).message, "https://api.coze.com")
    assert.include(decode(400, { error_code: "invalid_request", error_message: "invalid redirect_uri" }).message, "%23")
    const server = decode(503, {})
    assert.isTrue(server._tag === "ServerError" && server.retryAfter === undefined)
    const later = Dialect.decodeError({ status: 429, body: {}, retryAfter: Duration.seconds(3) }, Region.com)
    assert.isTrue(later._tag === "ServerError" && Duration.equals(later.retryAfter!, Duration.seconds(3)))
  })
})

describe("Dialect.coze.authorizationUrl", () => {
  const awkward = FastCheck.tuple(
    FastCheck.webUrl({ withFragments: true, withQueryParameters: true }),
    FastCheck.string({ unit: "grapheme" }),
    FastCheck.constantFrom("#frag", " a b", "é/ü?x=1&y=2", "%23", "🙂")
  ).map(([url, tail, odd]) => `${url}${odd}${tail}`)

  it.prop(
    "redirect URIs with #, spaces and unicode round-trip exactly",
    [awkward, FastCheck.string()],
    ([redirectUri, state]) => {
      const url = new URL(
        Dialect.coze.authorizationUrl(Region.cn, { clientId: "1.app.coze", redirectUri, state, workspaceId: "w/1" })
      )
      return (
        url.origin === "https://www.coze.cn" &&
        url.pathname === "/api/permission/oauth2/workspace_id/w%2F1/authorize" &&
        url.hash === "" &&
        url.searchParams.get("redirect_uri") === redirectUri &&
        url.searchParams.get("state") === state &&
        url.searchParams.get("response_type") === "code"
      )
    }
  )
})

describe("bad bases", () => {
  const bad = Region.custom({ apiBase: "http://[bad", wwwBase: "https://www.coze.cn:99999" })

  it("neither the JWT audience nor the authorization URL throws", () => {
    assert.strictEqual(Region.jwtAudience(bad), "http://[bad")
    const url = Dialect.coze.authorizationUrl(bad, { clientId: "1", redirectUri: "http://127.0.0.1/cb", state: "s" })
    assert.strictEqual(
      url,
      "https://www.coze.cn:99999/api/permission/oauth2/authorize?response_type=code&client_id=1&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&state=s"
    )
  })

  it.effect("a token request to a bad api base is a ConfigError naming COZE_API_BASE, never sent", () =>
    Effect.gen(function* () {
      const { attempts, client } = yield* stubClient(() => Effect.die("sent"))
      const error = yield* Effect.flip(Dialect.coze.bind(Dialect.makeEndpoint(client, bad)).token(grant, "pkce"))
      assert.strictEqual(error._tag, "ConfigError")
      assert.include(error.message, "COZE_API_BASE")
      assert.strictEqual(yield* Ref.get(attempts), 0)
    })
  )
})

describe("Dialect.coze.token", () => {
  it.effect("refuses an expires_in already past: relative, or a clock far ahead", () =>
    Effect.gen(function* () {
      const now = 1_750_000_000
      yield* TestClock.setTime(now * 1000)
      const answer = (expiresIn: number) =>
        Effect.gen(function* () {
          const body = { access_token: "at", expires_in: expiresIn }
          const { client } = yield* stubClient(() => Effect.succeed(jsonResponse(200, body)))
          return yield* Effect.either(Dialect.coze.bind(Dialect.makeEndpoint(client, Region.com)).token(grant, "pkce"))
        })
      for (const expiresIn of [900, now]) {
        const result = yield* answer(expiresIn)
        assert.isTrue(Either.isLeft(result) && result.left._tag === "MalformedResponse", String(expiresIn))
        if (Either.isLeft(result)) assert.include(result.left.message, "relative")
      }
      assert.isTrue(Either.isRight(yield* answer(now + 1)))
    })
  )
})

describe("Dialect endpoints", () => {
  it.effect("a flow's client is built once: paths go to the api base, through the user's transformClient", () =>
    Effect.gen(function* () {
      const seen: Array<{ url: string; header: string | undefined }> = []
      const { client } = yield* stubClient((_, request) => {
        seen.push({ url: request.url, header: request.headers["x-trace"] })
        return Effect.succeed(jsonResponse(200, { access_token: "at", expires_in: 2_000_000_000 }))
      })
      const device = yield* DeviceOAuth.make({
        clientId: "1.app.coze",
        region: Region.cn,
        transformClient: HttpClient.mapRequest(HttpClientRequest.setHeader("x-trace", "on"))
      }).pipe(Effect.provideService(HttpClient.HttpClient, client))
      yield* device.refresh(Redacted.make("rt"))
      yield* device.refresh(Redacted.make("rt2"))
      assert.deepStrictEqual(seen, [
        { url: "https://api.coze.cn/api/permission/oauth2/token", header: "on" },
        { url: "https://api.coze.cn/api/permission/oauth2/token", header: "on" }
      ])
    })
  )

  it.effect("a token document missing a field fails with MalformedResponse naming the field, not its value", () =>
    Effect.gen(function* () {
      const decode = (body: unknown) =>
        Effect.gen(function* () {
          const { client } = yield* stubClient(() => Effect.succeed(jsonResponse(200, body)))
          const exchange = Dialect.coze.bind(Dialect.makeEndpoint(client, Region.com))
          return yield* Effect.flip(exchange.token(grant, "pkce"))
        })
      const missing = yield* decode({ access_token: "SECRET-at" })
      assert.strictEqual(missing._tag, "MalformedResponse")
      assert.strictEqual(missing._tag === "MalformedResponse" ? missing.field : undefined, "expires_in")
      assert.include(missing.message, "expires_in is missing")
      const wrong = yield* decode({ access_token: 42, expires_in: 2_000_000_000 })
      assert.strictEqual(wrong._tag === "MalformedResponse" ? wrong.field : undefined, "access_token")
      assert.notInclude(wrong.message, "42")
      assert.notInclude(missing.message, "SECRET-at")
    })
  )

  it("every CozeError carries the type id the guard checks; a look-alike does not pass", () => {
    assert.isTrue(CozeError.isCozeError(new CozeError.ServerError({ description: "x" })))
    assert.isFalse(CozeError.isCozeError({ _tag: "ServerError", description: "x" }))
  })
})
