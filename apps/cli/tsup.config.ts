import { defineConfig } from "tsup"

// Node 20 cannot import the `.ts` our workspace packages export, so they are bundled. Everything else stays
// external, installed next to the bundle as this package's dependencies: bundled CommonJS modules (write-file-
// atomic, proper-lockfile) would need `require` and `__filename`, which an ES module bundle lacks (issue 8).
export default defineConfig({
  entry: ["src/main.ts"],
  format: "esm",
  platform: "node",
  target: "node20",
  treeshake: true,
  clean: true,
  noExternal: [/^@coze-auth\//],
  banner: { js: "#!/usr/bin/env node" }
})
