/** Every tool, registered on one `McpServer` (one server per MCP session; all share the runtime). */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import type { RunTool } from "../Runtime.js"
import * as Login from "./login.js"
import * as Logout from "./logout.js"
import * as Refresh from "./refresh.js"
import * as Status from "./status.js"
import * as Token from "./token.js"

export const registerTools = (server: McpServer, run: RunTool, options: { readonly tokenTool: boolean }) => {
  Login.register(server, run)
  Status.register(server, run)
  // Switched off, `token` is not registered at all: a model cannot see, be talked into, or call it.
  if (options.tokenTool) Token.register(server, run)
  Refresh.register(server, run)
  Logout.register(server, run)
}
