import * as http from "node:http"
import * as net from "node:net"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import * as LoopbackReceiver from "../src/LoopbackReceiver.js"

/** A GET with a chosen Host header (fetch would not let us lie about it). */
const get = (url: string, host?: string) =>
  Effect.async<{ status: number; body: string }>((resume) => {
    const target = new URL(url)
    const request = http.get(
      {
        hostname: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        headers: host ? { host } : {}
      },
      (response) => {
        let body = ""
        response.on("data", (chunk) => (body += chunk))
        response.on("end", () => resume(Effect.succeed({ status: response.statusCode ?? 0, body })))
      }
    )
    request.on("error", (error) => resume(Effect.die(error)))
  })

/** Sends `head` as is over a socket (an HTTP client would refuse to) and returns the status line. */
const raw = (url: string, head: string) =>
  Effect.async<string>((resume) => {
    const socket = net.connect(Number(new URL(url).port), "127.0.0.1", () => socket.write(head))
    let answer = ""
    socket.on("data", (chunk) => (answer += chunk))
    socket.on("close", () => resume(Effect.succeed(answer.split("\r\n")[0] ?? "")))
    socket.on("error", (error) => resume(Effect.die(error)))
  })

const callbackUrl = (receiver: LoopbackReceiver.Receiver, query: Record<string, string>) =>
  `${receiver.redirectUri}?${new URLSearchParams(query)}`

describe("LoopbackReceiver", () => {
  it.scoped("binds 127.0.0.1 with a 256-bit state and delivers the code once", () =>
    Effect.gen(function* () {
      const receiver = yield* LoopbackReceiver.make()
      assert.match(receiver.redirectUri, /^http:\/\/127\.0\.0\.1:\d+\/callback$/)
      assert.strictEqual(Buffer.from(receiver.state, "base64url").length, 32)
      const ok = yield* get(callbackUrl(receiver, { code: "c1", state: receiver.state }))
      assert.strictEqual(ok.status, 200)
      assert.include(ok.body, "close this tab")
      assert.deepStrictEqual(yield* receiver.callback, { code: "c1" })
    })
  )

  it.scoped("refuses a wrong state and keeps waiting for the right one", () =>
    Effect.gen(function* () {
      const receiver = yield* LoopbackReceiver.make()
      const forged = yield* get(callbackUrl(receiver, { code: "evil", state: "forged" }))
      assert.strictEqual(forged.status, 400)
      const missing = yield* get(callbackUrl(receiver, { code: "evil" }))
      assert.strictEqual(missing.status, 400)
      assert.strictEqual((yield* get(callbackUrl(receiver, { code: "c2", state: receiver.state }))).status, 200)
      assert.deepStrictEqual(yield* receiver.callback, { code: "c2" })
    })
  )

  it.scoped("refuses a non-loopback Host and any other path", () =>
    Effect.gen(function* () {
      const receiver = yield* LoopbackReceiver.make()
      const url = callbackUrl(receiver, { code: "c", state: receiver.state })
      assert.strictEqual((yield* get(url, `evil.example:${new URL(url).port}`)).status, 400)
      assert.strictEqual((yield* get(url.replace("/callback", "/callback/x"))).status, 404)
      const fiber = yield* Effect.fork(receiver.callback)
      yield* Effect.yieldNow()
      assert.isNull(fiber.unsafePoll())
    })
  )

  it.scoped("a request whose target is not a URL is refused without crashing; the callback still works", () =>
    Effect.gen(function* () {
      const receiver = yield* LoopbackReceiver.make()
      const host = new URL(receiver.redirectUri).host
      const status = yield* raw(receiver.redirectUri, `GET //[ HTTP/1.1\r\nHost: ${host}\r\n\r\n`)
      assert.strictEqual(status, "HTTP/1.1 400 Bad Request")
      assert.strictEqual((yield* get(callbackUrl(receiver, { code: "c3", state: receiver.state }))).status, 200)
      assert.deepStrictEqual(yield* receiver.callback, { code: "c3" })
    })
  )

  it.live("accepts one callback: a second one is refused and the listener closes", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const receiver = yield* LoopbackReceiver.make()
        yield* get(callbackUrl(receiver, { code: "c", state: receiver.state }))
        yield* receiver.callback
        yield* Effect.sleep("50 millis")
        const second = yield* Effect.exit(get(callbackUrl(receiver, { code: "c", state: receiver.state })))
        // Closed (connection refused) or, if the close races the request, refused with 410.
        assert.isTrue(Exit.isFailure(second) || (Exit.isSuccess(second) && second.value.status === 410))
      })
    )
  )

  it.scoped("a denial fails with AccessDenied", () =>
    Effect.gen(function* () {
      const receiver = yield* LoopbackReceiver.make()
      const page = yield* get(callbackUrl(receiver, { error: "access_denied", state: receiver.state }))
      assert.strictEqual(page.status, 400)
      assert.strictEqual((yield* Effect.flip(receiver.callback))._tag, "AccessDenied")
    })
  )

  it.live("gives up after the timeout with ExpiredToken", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const receiver = yield* LoopbackReceiver.make({ timeout: "100 millis" })
        const fiber = yield* Effect.fork(receiver.callback)
        const error = yield* Effect.flip(Fiber.join(fiber))
        assert.strictEqual(error._tag, "ExpiredToken")
      })
    )
  )
})
