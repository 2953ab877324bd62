/**
 * Streamable HTTP at `/mcp` on 127.0.0.1. Every request must carry `Authorization: Bearer <key>` (compared in
 * constant time) and, against DNS rebinding, a loopback `Host` and, when present, a loopback `Origin`. Each MCP
 * session gets its own `McpServer` and transport; all share the one runtime (profiles, tokens, pending logins).
 */

import { createHash, randomUUID } from "node:crypto"
import { createServer } from "node:http"
import * as Callback from "@coze-auth/core/Callback"
import * as CozeError from "@coze-auth/core/CozeError"
import { HttpApp, HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js"
import { Effect, Option, Predicate, Redacted } from "effect"
import type { AppRuntime } from "../Runtime.js"
import { makeServer, type ServerOptions } from "../Server.js"

export const path = "/mcp"

const digest = (value: string) => createHash("sha256").update(value).digest("hex")

/** Constant-time: equal-length digests, so neither the key's length nor a common prefix shows in the timing. */
export const keyMatches = (key: Redacted.Redacted, authorization: string | undefined): boolean => {
  const presented = /^Bearer (.+)$/i.exec(authorization ?? "")?.[1]
  return presented !== undefined && Callback.constantTimeEquals(digest(presented), digest(Redacted.value(key)))
}

const refuse = (status: 401 | 403, message: string) =>
  HttpServerResponse.unsafeJson(
    { jsonrpc: "2.0", error: { code: -32001, message }, id: null },
    { status, ...(status === 401 ? { headers: { "www-authenticate": 'Bearer realm="coze-auth"' } } : {}) }
  )

interface Session {
  readonly server: McpServer
  readonly transport: WebStandardStreamableHTTPServerTransport
  readonly lastSeen: number
}

const notFound = () =>
  Response.json({ jsonrpc: "2.0", error: { code: -32001, message: "Session not found" }, id: null }, { status: 404 })

/**
 * One transport per MCP session, created by an `initialize` request and found by `mcp-session-id` after.
 * Clients that never send DELETE would pile sessions up, so a session idle for `idleMillis` (30 minutes) is
 * closed, and past `maxSessions` (64) the least recently used one goes; its client gets 404 and, as the
 * protocol says, initializes a new session.
 */
export const makeSessions = (
  runtime: AppRuntime,
  options: ServerOptions & {
    readonly maxSessions?: number
    readonly idleMillis?: number
    readonly now?: () => number
  }
) => {
  const { idleMillis = 30 * 60_000, maxSessions = 64, now = Date.now } = options
  // Insertion order is recency: a session is moved to the end whenever it is used.
  const sessions = new Map<string, Session>()
  const close = (id: string) => {
    const session = sessions.get(id)
    sessions.delete(id)
    if (session !== undefined) void session.server.close().catch(() => undefined)
  }
  const sweep = (room: number) => {
    for (const [id, session] of sessions) {
      if (now() - session.lastSeen < idleMillis && sessions.size + room <= maxSessions) break
      close(id)
    }
  }
  return async (request: Request): Promise<Response> => {
    const sessionId = request.headers.get("mcp-session-id")
    if (sessionId !== null) {
      sweep(0)
      const session = sessions.get(sessionId)
      if (session === undefined) return notFound()
      sessions.delete(sessionId)
      sessions.set(sessionId, { ...session, lastSeen: now() })
      return session.transport.handleRequest(request)
    }
    sweep(1)
    const server = makeServer(runtime, options)
    const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (id) => void sessions.set(id, { server, transport, lastSeen: now() }),
      onsessionclosed: (id) => void sessions.delete(id)
    })
    await server.connect(transport)
    const response = await transport.handleRequest(request)
    // Not an initialize request: the transport answered with an error and there is no session to keep.
    if (transport.sessionId === undefined) await server.close()
    return response
  }
}

/** A listen failure's errno code (`EADDRINUSE`, `EACCES`). */
const codeOf = (cause: unknown): string =>
  Predicate.hasProperty(cause, "code") && typeof cause.code === "string" ? cause.code : "unknown error"

export const serve = (
  runtime: AppRuntime,
  options: ServerOptions & { readonly port: number; readonly mcpKey: Option.Option<Redacted.Redacted> }
) =>
  Effect.gen(function* () {
    // The generated key is a CSPRNG secret of the same strength as a login's `state`.
    const key = Option.isSome(options.mcpKey) ? options.mcpKey.value : Redacted.make(yield* Callback.state)
    const server = yield* NodeHttpServer.make(createServer, { host: "127.0.0.1", port: options.port }).pipe(
      Effect.mapError(
        (error) =>
          new CozeError.ConfigError({
            description: `cannot listen on 127.0.0.1:${options.port} (${codeOf(error.cause)})`,
            hint: "pick another port with --port (npm start: PORT=…)",
            field: "--port"
          })
      )
    )
    const port = server.address._tag === "TcpAddress" ? server.address.port : options.port
    const allowedHosts = new Set(Callback.loopbackHosts.map((host) => `${host}:${port}`))
    const allowedOrigins = new Set(Callback.loopbackHosts.map((host) => `http://${host}:${port}`))
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
    yield* Effect.logInfo(`coze-auth MCP server (Streamable HTTP) listening on ${url}`)
    // The generated key is printed, as architecture §5 says: nothing else would give it to the user.
    yield* Effect.logInfo(
      Option.isSome(options.mcpKey)
        ? "clients must send Authorization: Bearer <the key in COZE_AUTH_MCP_KEY>"
        : `clients must send Authorization: Bearer ${Redacted.value(key)}  (generated; set COZE_AUTH_MCP_KEY to fix it)`
    )
    return { url, key }
  })
