// The baseline: the smallest useful MCP server the official SDK makes, one echo tool over stdio.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js"
import * as z from "zod/v4"

const server = new McpServer({ name: "echo", version: "1.0.0" })
server.registerTool(
  "echo",
  { description: "Echoes its input", inputSchema: { text: z.string() }, outputSchema: { text: z.string() } },
  ({ text }) => ({ content: [{ type: "text", text }], structuredContent: { text } })
)
await server.connect(new StdioServerTransport())
