import { defineConfig } from "tsup"

// Node 20 cannot import the `.ts` our workspace packages export, so they are bundled; the HTTP transport
// and the sandbox are separate chunks loaded on demand, which keeps a stdio cold start small.
export default defineConfig({
  entry: ["src/main.ts"],
  format: "esm",
  platform: "node",
  target: "node20",
  splitting: true,
  treeshake: true,
  clean: true,
  noExternal: [/^@coze-auth\//],
  // Bundled CommonJS dependencies call `require`, which an ES module has to make for itself.
  banner: {
    js: [
      "#!/usr/bin/env node",
      'import { createRequire as __cozeAuthCreateRequire } from "node:module";',
      "const require = __cozeAuthCreateRequire(import.meta.url);"
    ].join("\n")
  }
})
