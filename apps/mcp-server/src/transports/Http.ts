/**
 * Streamable HTTP at `/mcp` on 127.0.0.1. Every request must carry `Authorization: Bearer <key>` (compared in
 * constant time) and, against DNS rebinding, a loopback `Host` and, when present, a loopback `Origin`. Each MCP
 * session gets its own `McpServer` and transport; all share the one runtime (profiles, tokens, pending logins).
 */

import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto"
import { createServer } from "node:http"
import { HttpApp, HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js"
import { Effect, Option, Redacted } from "effect"
import type { AppRuntime } from "../Runtime.js"
import { makeServer } from "../Server.js"

export const path = "/mcp"

const digest = (value: string) => createHash("sha256").update(value).digest()

/** Constant-time: equal-length digests, so neither the key's length nor a common prefix shows in the timing. */
export const keyMatches = (key: Redacted.Redacted, authorization: string | undefined): boolean => {
  const presented = /^Bearer (.+)$/i.exec(authorization ?? "")?.[1]
  return presented !== undefined && timingSafeEqual(digest(presented), digest(Redacted.value(key)))
}

const loopbackHosts = ["127.0.0.1", "localhost", "[::1]"]

const refuse = (status: 401 | 403, message: string) =>
  HttpServerResponse.unsafeJson(
    { jsonrpc: "2.0", error: { code: -32001, message }, id: null },
    { status, ...(status === 401 ? { headers: { "www-authenticate": 'Bearer realm="coze-auth"' } } : {}) }
  )

/** One transport per MCP session, created by an `initialize` request and found by `mcp-session-id` after. */
const makeSessions = (runtime: AppRuntime, options: { readonly tokenTool: boolean }) => {
  const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>()
  return async (request: Request): Promise<Response> => {
    const sessionId = request.headers.get("mcp-session-id")
    if (sessionId !== null) {
      const transport = sessions.get(sessionId)
      return transport === undefined
        ? Response.json(
            { jsonrpc: "2.0", error: { code: -32001, message: "Session not found" }, id: null },
            { status: 404 }
          )
        : transport.handleRequest(request)
    }
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (id) => void sessions.set(id, transport),
      onsessionclosed: (id) => void sessions.delete(id)
    })
    const server = makeServer(runtime, options)
    await server.connect(transport)
    const response = await transport.handleRequest(request)
    // Not an initialize request: the transport answered with an error and there is no session to keep.
    if (transport.sessionId === undefined) await server.close()
    return response
  }
}

export const serve = (
  runtime: AppRuntime,
  options: { readonly port: number; readonly tokenTool: boolean; readonly mcpKey: Option.Option<Redacted.Redacted> }
) =>
  Effect.gen(function* () {
    const key = Option.getOrElse(options.mcpKey, () => Redacted.make(randomBytes(32).toString("base64url")))
    const server = yield* NodeHttpServer.make(createServer, { host: "127.0.0.1", port: options.port })
    const port = server.address._tag === "TcpAddress" ? server.address.port : options.port
    const allowedHosts = new Set(loopbackHosts.map((host) => `${host}:${port}`))
    const allowedOrigins = new Set(loopbackHosts.map((host) => `http://${host}:${port}`))
    const mcp = HttpApp.fromWebHandler(makeSessions(runtime, options))

    const guarded = Effect.gen(function* () {
      const { headers } = yield* HttpServerRequest.HttpServerRequest
      if (!allowedHosts.has(headers.host ?? "")) return refuse(403, "Forbidden: foreign Host header")
      if (headers.origin !== undefined && !allowedOrigins.has(headers.origin))
        return refuse(403, "Forbidden: foreign Origin header")
      if (!keyMatches(key, headers.authorization)) return refuse(401, "Unauthorized: send Authorization: Bearer <key>")
      return yield* mcp
    })
    yield* server.serve(HttpRouter.empty.pipe(HttpRouter.all(path, guarded)))

    const url = `http://127.0.0.1:${port}${path}`
    console.error(`coze-auth MCP server (Streamable HTTP) listening on ${url}`)
    console.error(
      Option.isSome(options.mcpKey)
        ? "coze-auth: clients must send Authorization: Bearer <the key in COZE_AUTH_MCP_KEY>"
        : `coze-auth: clients must send Authorization: Bearer ${Redacted.value(key)}  (generated; set COZE_AUTH_MCP_KEY to fix it)`
    )
    return { url, key }
  })
