import { defineConfig } from "tsup"
import { noLocationBoundCommonJs, requireBanner } from "../../scripts/esm-bundle.mjs"

// One ES module with every library bundled in (our packages, Effect, jose, and CommonJS with a real `require`
// from the banner): loading hundreds of separate modules would cost about half a second per run, paid by every
// `$(coze-auth token)`. CommonJS that reads its own location (`__filename`) cannot be bundled; the plugin fails
// the build naming any; those are `dependencies`, left external (ioredis; and the native @napi-rs/keyring).
export default defineConfig({
  entry: ["src/main.ts"],
  format: "esm",
  platform: "node",
  target: "node20",
  treeshake: true,
  clean: true,
  noExternal: [/^@coze-auth\//],
  esbuildPlugins: [noLocationBoundCommonJs],
  banner: { js: ["#!/usr/bin/env node", requireBanner].join("\n") }
})
