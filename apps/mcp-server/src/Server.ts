/** One MCP server (per session) over the shared runtime: the tools, and what the model is told about them. */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import { type AppRuntime, runTool } from "./Runtime.js"
import { registerTools } from "./tools/index.js"

export const version = "0.1.0"

const instructions =
  "coze-auth logs the user in to Coze (coze.com / coze.cn) and hands out valid access tokens. " +
  "Call status to see the profiles, login to sign in (the user approves in their browser), and token for a " +
  "token to call the Coze OpenAPI with; tokens refresh by themselves."

export const makeServer = (runtime: AppRuntime, options: { readonly tokenTool: boolean }): McpServer => {
  const server = new McpServer({ name: "coze-auth", version }, { instructions, capabilities: { tools: {} } })
  registerTools(server, runTool(runtime), options)
  return server
}
