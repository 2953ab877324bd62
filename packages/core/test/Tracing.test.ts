import { EmulatorClient } from "@coze-auth/emulator/EmulatorClient"
import { HttpClient } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Inspectable, Option, Redacted, TestClock, Tracer } from "effect"
import * as AuthHttpClient from "../src/AuthHttpClient.js"
import * as Credentials from "../src/Credentials.js"
import * as DeviceOAuth from "../src/DeviceOAuth.js"
import * as TokenStore from "../src/TokenStore.js"
import { emulatorRegion, TestEmulator } from "./utils/index.js"

/** A tracer that keeps every span it starts (the native one underneath), as `@effect/opentelemetry` would see them. */
const recording = Effect.map(Effect.tracer, (native) => {
  const spans: Array<Tracer.Span> = []
  const tracer = Tracer.make({
    span: (...args) => {
      const span = native.span(...args)
      spans.push(span)
      return span
    },
    context: (f, fiber) => native.context(f, fiber)
  })
  return { spans, tracer }
})

const named = (spans: ReadonlyArray<Tracer.Span>, name: string) => spans.filter((span) => span.name === name)

describe("tracing", () => {
  it.scoped("each flow call, renewal, lock wait and HTTP call is a span with profile and flow, and no secret", () =>
    Effect.gen(function* () {
      const { spans, tracer } = yield* recording
      const emulator = yield* EmulatorClient
      const app = yield* emulator.createApp({ type: "device" })
      const region = yield* emulatorRegion
      const program = Effect.gen(function* () {
        const device = yield* DeviceOAuth.make({ clientId: app.client_id, region })
        const code = yield* device.deviceCode()
        yield* emulator.approveDevice(code.userCode)
        const first = yield* device.poll(code)
        const store = yield* TokenStore.makeMemory
        yield* store.set("work", first)
        const credentials = yield* Credentials.make({
          profile: "work",
          source: Credentials.Source.Refreshable({ flow: "device", refresh: device.refresh })
        }).pipe(Effect.provideService(TokenStore.TokenStore, store))
        yield* TestClock.adjust("901 seconds")
        const renewed = yield* credentials.token()
        const client = AuthHttpClient.authenticate(yield* HttpClient.HttpClient, { region, credentials })
        yield* Effect.flatMap(client.get("/v1/users/me?page=1"), (response) => response.text)
        return [first, renewed, code] as const
      })
      const [first, renewed, code] = yield* program.pipe(Effect.withTracer(tracer))

      for (const name of [
        "DeviceOAuth.deviceCode",
        "DeviceOAuth.poll",
        "DeviceOAuth.refresh",
        "coze-auth.token",
        "coze-auth.http",
        "Credentials.renew",
        "Credentials.lock",
        "Credentials.renewLocked",
        "AuthHttpClient.request"
      ]) {
        assert.isNotEmpty(named(spans, name), name)
      }
      const attribute = (name: string, key: string) => named(spans, name)[0]?.attributes.get(key)
      assert.strictEqual(attribute("DeviceOAuth.poll", "flow"), "device")
      assert.strictEqual(attribute("Credentials.renew", "profile"), "work")
      assert.strictEqual(attribute("Credentials.renew", "flow"), "device")
      assert.strictEqual(attribute("Credentials.lock", "profile"), "work")
      assert.strictEqual(attribute("AuthHttpClient.request", "profile"), "work")
      assert.strictEqual(attribute("AuthHttpClient.request", "url.path"), "/v1/users/me")
      // A token request's HTTP call is its child, so a trace reads renewal > lock > token request > HTTP.
      const tokenSpans = new Set(named(spans, "coze-auth.token").map((span) => span.spanId))
      assert.isTrue(
        named(spans, "coze-auth.http").some((span) => Option.exists(span.parent, (p) => tokenSpans.has(p.spanId)))
      )

      const secrets = [
        first.accessToken,
        ...Option.toArray(first.refreshToken),
        renewed.accessToken,
        ...Option.toArray(renewed.refreshToken),
        code.deviceCode
      ].map(Redacted.value)
      const shown = Inspectable.format(
        spans.map((span) => ({ name: span.name, attributes: Object.fromEntries(span.attributes) }))
      )
      for (const secret of secrets) assert.notInclude(shown, secret)
      assert.include(shown, "<redacted>") // the platform's own HTTP spans show the bearer header redacted
    }).pipe(Effect.provide(TestEmulator()))
  )
})
