import { readFileSync } from "node:fs"
import * as http from "node:http"
import * as https from "node:https"
import type { AddressInfo } from "node:net"
import * as Deadline from "@coze-auth/core/Deadline"
import * as DeviceOAuth from "@coze-auth/core/DeviceOAuth"
import * as JwtOAuth from "@coze-auth/core/JwtOAuth"
import * as Region from "@coze-auth/core/Region"
import * as EmulatorClient from "@coze-auth/emulator/EmulatorClient"
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Deferred, Effect, Fiber, FiberId, Layer, Option, Stream, Tracer } from "effect"
import * as NodeCoze from "../src/NodeCoze.js"
import * as NodeJwtSigner from "../src/NodeJwtSigner.js"
import { TestEmulator } from "./utils/emulator.js"

/** A server on a free port that answers every request with `status` and keeps the headers it got. */
const recordingServer = (status: number) =>
  Effect.acquireRelease(
    Effect.async<{
      readonly url: string
      readonly seen: Array<http.IncomingHttpHeaders>
      readonly server: http.Server
    }>((resume) => {
      const seen: Array<http.IncomingHttpHeaders> = []
      const server = http.createServer((request, response) => {
        seen.push(request.headers)
        response.writeHead(status, status === 302 ? { location: "/elsewhere" } : {}).end("{}")
      })
      server.listen(0, "127.0.0.1", () =>
        resume(Effect.succeed({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, seen, server }))
      )
    }),
    ({ server }) => Effect.promise(() => new Promise((resolve) => server.close(resolve)))
  )

/** A tracer that keeps the names of the spans it starts, over Effect's own. */
const recordingTracer = (names: Array<string>) => {
  const inner = Effect.runSync(Effect.tracer)
  return Tracer.make({
    span: (name, ...rest) => {
      names.push(name)
      return inner.span(name, ...rest)
    },
    context: inner.context
  })
}

describe("NodeCoze", () => {
  it.scoped("sends no trace headers and makes no span while no tracer is installed", () =>
    Effect.gen(function* () {
      const server = yield* recordingServer(200)
      const response = yield* HttpClient.post(server.url).pipe(Effect.withSpan("caller"))
      assert.strictEqual(response.status, 200)
      assert.isUndefined(server.seen[0]?.traceparent)
    }).pipe(Effect.provide(NodeCoze.layer))
  )

  it.scoped("with a tracer installed, every request has its span and carries the trace headers", () =>
    Effect.gen(function* () {
      const names: Array<string> = []
      const server = yield* recordingServer(200)
      yield* HttpClient.post(server.url).pipe(Effect.withSpan("caller"), Effect.withTracer(recordingTracer(names)))
      assert.deepStrictEqual(names, ["caller", "http.client POST"])
      assert.isString(server.seen[0]?.traceparent)
    }).pipe(Effect.provide(NodeCoze.layer))
  )

  it.scoped("follows no redirect: the 3xx comes back as it is", () =>
    Effect.gen(function* () {
      const server = yield* recordingServer(302)
      const response = yield* HttpClient.get(server.url)
      assert.strictEqual(response.status, 302)
      assert.strictEqual(server.seen.length, 1)
    }).pipe(Effect.provide(NodeCoze.layer))
  )

  it.scoped("requests share one kept-alive connection, closed with the layer", () =>
    Effect.gen(function* () {
      const server = yield* recordingServer(200)
      // Only the client closes an idle connection here.
      server.server.keepAliveTimeout = 60_000
      const connections: Array<Deferred.Deferred<void>> = []
      server.server.on("connection", (socket) => {
        const closed = Deferred.unsafeMake<void>(FiberId.none)
        socket.on("close", () => Deferred.unsafeDone(closed, Effect.void))
        connections.push(closed)
      })
      yield* Effect.scoped(
        Effect.gen(function* () {
          for (let i = 0; i < 3; i++) yield* Effect.flatMap(HttpClient.get(server.url), (response) => response.text)
        }).pipe(Effect.provide(NodeCoze.layerHttpClient))
      )
      assert.strictEqual(server.seen.length, 3)
      assert.strictEqual(connections.length, 1)
      yield* Deferred.await(connections[0]!)
    })
  )

  it.scoped("a device login and a refresh against the emulator go over it, and JwtOAuth signs with NodeJwtSigner", () =>
    Effect.gen(function* () {
      const emulator = yield* EmulatorClient.EmulatorClient
      const region = Region.custom({ apiBase: emulator.url })
      assert.strictEqual(yield* JwtOAuth.JwtSigner, NodeJwtSigner.nodeSigner)
      const device = yield* emulator.createApp({ type: "device" })
      const flow = yield* DeviceOAuth.make({ clientId: device.client_id, region })
      const code = yield* flow.deviceCode()
      yield* emulator.approveDevice(code.userCode)
      const token = yield* flow.poll(code)
      assert.strictEqual((yield* flow.refresh(Option.getOrThrow(token.refreshToken))).flow, "device")
    }).pipe(Effect.provide(Layer.merge(TestEmulator(), NodeCoze.layer)))
  )

  it.scoped("a refused connection is a RequestError whose cause keeps Node's code", () =>
    Effect.gen(function* () {
      const server = yield* recordingServer(200)
      yield* Effect.promise(() => new Promise((resolve) => server.server.close(resolve)))
      const error = yield* Effect.flip(HttpClient.get(server.url))
      assert.strictEqual(error._tag, "RequestError")
      assert.strictEqual(error.reason, "Transport")
      assert.strictEqual((error.cause as { code?: string }).code, "ECONNREFUSED")
    }).pipe(Effect.provide(NodeCoze.layer))
  )

  it.scoped("a URL that does not parse is an InvalidUrl RequestError", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(HttpClient.get("not a url"))
      assert.strictEqual(error._tag, "RequestError")
      assert.strictEqual(error.reason, "InvalidUrl")
    }).pipe(Effect.provide(NodeCoze.layer))
  )

  it.scoped("interrupting a request waiting for its answer aborts it: the server sees the connection close", () =>
    Effect.gen(function* () {
      const arrived = yield* Deferred.make<void>()
      const closed = yield* Deferred.make<void>()
      const server = yield* Effect.acquireRelease(
        Effect.async<{ readonly url: string; readonly server: http.Server }>((resume) => {
          const server = http.createServer((request) => {
            request.socket.on("close", () => Deferred.unsafeDone(closed, Effect.void))
            Deferred.unsafeDone(arrived, Effect.void)
          })
          server.listen(0, "127.0.0.1", () =>
            resume(Effect.succeed({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server }))
          )
        }),
        ({ server }) =>
          Effect.promise(() => {
            server.closeAllConnections()
            return new Promise((resolve) => server.close(resolve))
          })
      )
      const request = yield* Effect.fork(HttpClient.get(server.url))
      yield* Deferred.await(arrived)
      yield* Fiber.interrupt(request)
      yield* Deferred.await(closed)
    }).pipe(Effect.provide(NodeCoze.layer))
  )

  it.scoped("a streamed request body is sent whole, a streamed answer arrives chunk by chunk, text reads once", () =>
    Effect.gen(function* () {
      const server = yield* Effect.acquireRelease(
        Effect.async<{ readonly url: string; readonly server: http.Server }>((resume) => {
          const server = http.createServer((request, response) => {
            let body = ""
            request.on("data", (chunk) => {
              body += chunk
            })
            request.on("end", () => {
              response.writeHead(200, { "content-type": "text/plain", "set-cookie": "a=1" })
              response.write(`got ${body};`)
              setTimeout(() => response.end("done"), 5)
            })
          })
          server.listen(0, "127.0.0.1", () =>
            resume(Effect.succeed({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server }))
          )
        }),
        ({ server }) => Effect.promise(() => new Promise((resolve) => server.close(resolve)))
      )
      const encoder = new TextEncoder()
      const streamed = HttpClientRequest.post(server.url).pipe(
        HttpClientRequest.bodyStream(Stream.make(encoder.encode("ab"), encoder.encode("cd")))
      )
      const chunks = yield* HttpClient.execute(streamed).pipe(
        Effect.flatMap((response) => Stream.runCollect(Stream.decodeText(response.stream)))
      )
      assert.isAtLeast(Chunk.size(chunks), 2)
      assert.strictEqual(Chunk.join(chunks, ""), "got abcd;done")
      const response = yield* HttpClient.post(server.url, { body: undefined })
      assert.strictEqual(response.headers["content-type"], "text/plain")
      assert.strictEqual(Option.getOrThrow(Option.fromNullable(response.cookies.cookies.a)).value, "1")
      assert.strictEqual(yield* response.text, "got ;done")
      assert.strictEqual(yield* response.text, "got ;done")
    }).pipe(Effect.provide(NodeCoze.layer))
  )

  // Core tells transport failures by their causes' codes: Node's errors must read as fetch's do.
  it.scoped("core names a refused connection, an unresolved name and a failed TLS handshake over it", () =>
    Effect.gen(function* () {
      const fixture = (name: string) => readFileSync(new URL(`../../core/test/fixtures/tls/${name}`, import.meta.url))
      const listen = (server: http.Server) =>
        Effect.acquireRelease(
          Effect.async<number>((resume) => {
            server.listen(0, "127.0.0.1", () => resume(Effect.succeed((server.address() as AddressInfo).port)))
          }),
          () => Effect.sync(() => server.close())
        )
      const untrusted = yield* listen(
        https.createServer({ key: fixture("self-signed.key"), cert: fixture("self-signed.crt") }, (_, res) =>
          res.end("{}")
        )
      )
      const plain = yield* listen(http.createServer((_, res) => res.end("{}")))
      const refused = yield* recordingServer(200)
      yield* Effect.promise(() => new Promise((resolve) => refused.server.close(resolve)))
      const failure = (apiBase: string) =>
        DeviceOAuth.make({ clientId: "c", region: Region.custom({ apiBase }) }).pipe(
          Effect.flatMap((device) => Effect.flip(device.deviceCode())),
          Deadline.withDeadlines({ operation: "10 seconds", request: "10 seconds" })
        )
      for (const [apiBase, reason, message] of [
        [refused.url.slice(0, -1), "Refused", /^the connection to 127\.0\.0\.1:\d+ was refused/],
        ["http://no-such-host.invalid", "Dns", /^the name no-such-host\.invalid did not resolve \(E[A-Z_]+\)/],
        [
          `https://127.0.0.1:${untrusted}`,
          "Tls",
          /^TLS with 127\.0\.0\.1:\d+ failed \(.*(SELF_SIGNED|UNABLE_TO_VERIFY)/
        ],
        [`https://127.0.0.1:${plain}`, "Tls", /^TLS with 127\.0\.0\.1:\d+ failed \(.*(SSL|TLS|EPROTO)/]
      ] as const) {
        const error = yield* failure(apiBase)
        assert.strictEqual(error._tag === "TransportError" ? error.reason : error._tag, reason, error.message)
        assert.match(error.message, message)
      }
    }).pipe(Effect.provide(NodeCoze.layer))
  )
})
