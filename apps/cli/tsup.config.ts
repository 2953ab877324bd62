import { defineConfig } from "tsup"

// One ES module with everything that is itself an ES module (our packages, Effect, jose) bundled: loading
// hundreds of separate Effect modules costs about half a second per run, which `$(coze-auth token)` pays
// every time. CommonJS packages stay external, installed next to the bundle as this package's dependencies:
// bundled into an ES module they would need `require` and `__filename`, which it lacks (issue 8).
export default defineConfig({
  entry: ["src/main.ts"],
  format: "esm",
  platform: "node",
  target: "node20",
  treeshake: true,
  clean: true,
  noExternal: [/^@coze-auth\//, /^effect(\/|$)/, /^@effect\//, /^jose(\/|$)/],
  external: ["proper-lockfile", "write-file-atomic", "yaml", "ini", "toml"],
  banner: { js: "#!/usr/bin/env node" }
})
