import { inspect } from "node:util"
import { EmulatorClient } from "@coze-auth/emulator/EmulatorClient"
import { HttpClient } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Cause, DateTime, Effect, Inspectable, Logger, LogLevel, Option, Redacted } from "effect"
import * as AuthHttpClient from "../src/AuthHttpClient.js"
import * as Credentials from "../src/Credentials.js"
import * as Region from "../src/Region.js"
import { Token } from "../src/Token.js"
import * as TokenStore from "../src/TokenStore.js"
import * as WebOAuth from "../src/WebOAuth.js"
import { connectionReset, emulatorRegion, jsonResponse, stubClient, TestEmulator } from "./utils/index.js"

const redirectUri = "http://127.0.0.1:3000/callback"

/** Every way a value could end up in front of someone. */
const renderings = (value: unknown): Array<string> => [
  String(value),
  JSON.stringify(value) ?? "",
  Inspectable.format(value),
  inspect(value, { depth: 10 }),
  value instanceof Error ? `${value.message} ${value.stack ?? ""}` : ""
]

describe("secrets", () => {
  it.scoped("no token, error, log line or rendering shows a secret", () =>
    Effect.gen(function* () {
      const lines: Array<string> = []
      const capture = Logger.map(Logger.logfmtLogger, (line) => {
        lines.push(line)
      })
      const emulator = yield* EmulatorClient
      const app = yield* emulator.createApp({ type: "web", redirect_uris: [redirectUri] })
      const options = {
        clientId: app.client_id,
        clientSecret: Redacted.make(app.client_secret!),
        redirectUri,
        region: yield* emulatorRegion
      }
      const web = yield* WebOAuth.make(options)
      const { state, url } = yield* web.authorizationUrl()
      const code = new URL(yield* emulator.authorize(url, "approve")).searchParams.get("code")!
      const token = yield* web.exchange({ code, state, expectedState: state })
      const refreshToken = Option.getOrThrow(token.refreshToken)
      yield* web.refresh(refreshToken)
      const reused = yield* Effect.flip(web.refresh(refreshToken))
      const wrong = yield* WebOAuth.make({ ...options, clientSecret: Redacted.make("the-wrong-secret") })
      const invalidClient = yield* Effect.flip(wrong.refresh(refreshToken))

      yield* Effect.logError("login", token, reused, invalidClient, Cause.fail(invalidClient)).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, capture)),
        Logger.withMinimumLogLevel(LogLevel.All)
      )

      const secrets = [
        app.client_secret!,
        "the-wrong-secret",
        Redacted.value(token.accessToken),
        Redacted.value(refreshToken)
      ]
      const shown = [...[token, reused, invalidClient, options].flatMap(renderings), ...lines].join("\n")
      assert.isNotEmpty(lines)
      for (const secret of secrets) assert.notInclude(shown, secret)
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.effect("no CozeHttpClient error or response shows the bearer", () =>
    Effect.gen(function* () {
      const bearer = "SECRET-bearer"
      const pat = Token.make({
        accessToken: Redacted.make(bearer),
        expiresAt: Option.none(),
        refreshToken: Option.none(),
        flow: "token",
        obtainedAt: yield* DateTime.now,
        logId: Option.none()
      })
      const credentials = yield* Credentials.make({
        profile: "pat",
        source: Credentials.Source.Static({ token: pat })
      }).pipe(Effect.provide(TokenStore.layerMemory))
      const over = (reply: Parameters<typeof stubClient>[0]) =>
        Effect.map(stubClient(reply), ({ client }) =>
          AuthHttpClient.authenticate(client, { region: Region.cn, credentials })
        )
      const rejecting = yield* over(() => Effect.succeed(jsonResponse(401, { code: 4100, msg: "invalid" })))
      const rejected = yield* rejecting.get("/v1/users/me") // 401 after the (no-op) renewal
      const statusError = yield* Effect.flip(HttpClient.filterStatusOk(rejecting).get("/v1/users/me"))
      const unreachable = yield* over((_, request) => Effect.fail(connectionReset(request)))
      const transportError = yield* Effect.flip(unreachable.get("/v1/users/me"))
      const torn = yield* over(() => Effect.succeed(new Response("{not json", { status: 200 })))
      const decodeError = yield* Effect.flip(Effect.flatMap(torn.get("/v1/users/me"), (response) => response.json))

      assert.strictEqual(rejected.status, 401)
      assert.strictEqual(transportError._tag, "RequestError")
      const shown = [rejected, statusError, transportError, decodeError].flatMap(renderings).join("\n")
      assert.include(shown, "/v1/users/me")
      assert.notInclude(shown, bearer)
    })
  )
})
