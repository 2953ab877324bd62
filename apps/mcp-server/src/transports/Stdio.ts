/** stdio: one MCP session over stdin/stdout, until the client closes stdin. Nothing else touches stdout. */
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js"
import { Effect } from "effect"
import type { AppRuntime } from "../Runtime.js"
import { makeServer, type ServerOptions } from "../Server.js"

export const serve = (runtime: AppRuntime, options: ServerOptions) =>
  Effect.gen(function* () {
    const server = makeServer(runtime, options)
    yield* Effect.acquireRelease(
      Effect.promise(() => server.connect(new StdioServerTransport())),
      () => Effect.promise(() => server.close())
    )
    // The SDK's stdio transport does not notice a closed stdin; the client closing it ends the session.
    yield* Effect.async<void>((resume) => {
      const done = () => resume(Effect.void)
      process.stdin.once("end", done)
      process.stdin.once("close", done)
      return Effect.sync(() => {
        process.stdin.off("end", done)
        process.stdin.off("close", done)
      })
    })
  }).pipe(Effect.scoped)
