import { defineConfig } from "tsup"
import { noLocationBoundCommonJs, requireBanner } from "../../scripts/esm-bundle.mjs"

// Node 20 cannot import the `.ts` our workspace packages export, so they are bundled, with the libraries
// (devDependencies). CommonJS modules get a real `require` from the banner; those that read their own location
// (`__filename`, `__dirname`) cannot be bundled into an ES module at all (a bundled write-file-atomic crashed
// with "__filename is not defined"), so they are `dependencies` (ioredis; and the native @napi-rs/keyring), left external and installed
// next to the bundle, and the plugin fails the build should another slip in (scripts/esm-bundle.mjs). The HTTP transport and the
// sandbox are separate chunks loaded on demand, which keeps a stdio cold start small.
export default defineConfig({
  entry: ["src/main.ts"],
  format: "esm",
  platform: "node",
  target: "node20",
  splitting: true,
  treeshake: true,
  clean: true,
  noExternal: [/^@coze-auth\//],
  esbuildPlugins: [noLocationBoundCommonJs],
  banner: { js: ["#!/usr/bin/env node", requireBanner].join("\n") }
})
