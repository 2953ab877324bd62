import { defineConfig } from "tsup"
import { noBundledCommonJs } from "../../scripts/esm-bundle.mjs"

// One ES module with every ES module library (devDependencies: our packages, Effect, jose) bundled in: loading
// hundreds of separate Effect modules would cost about half a second per run, paid by every `$(coze-auth
// token)`. CommonJS packages are `dependencies`, left external and installed next to the bundle (bundled into
// an ES module they lack `__filename` and the like); the plugin fails the build if one slips in.
export default defineConfig({
  entry: ["src/main.ts"],
  format: "esm",
  platform: "node",
  target: "node20",
  treeshake: true,
  clean: true,
  noExternal: [/^@coze-auth\//],
  esbuildPlugins: [noBundledCommonJs],
  banner: { js: "#!/usr/bin/env node" }
})
