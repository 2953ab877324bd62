import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect } from "effect"
import * as Settings from "../../src/Settings.js"

const withEnv = (env: Record<string, string>) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries({ COZE_AUTH_HOME: "/tmp/h", ...env }))))

describe("API settings", () => {
  it.effect("default to 64 KiB results, a 60 s timeout and read-write", () =>
    Effect.gen(function* () {
      const settings = yield* Settings.fromConfig.pipe(withEnv({}))
      assert.isFalse(settings.readOnly)
      assert.strictEqual(settings.api.maxResultBytes, 65536)
      assert.isTrue(Duration.equals(settings.api.timeout, Duration.seconds(60)))
    })
  )

  it.effect("read COZE_AUTH_MCP_READ_ONLY, _MAX_RESULT_BYTES and _API_TIMEOUT", () =>
    Effect.gen(function* () {
      const settings = yield* Settings.fromConfig.pipe(
        withEnv({
          COZE_AUTH_MCP_READ_ONLY: "1",
          COZE_AUTH_MCP_MAX_RESULT_BYTES: "2048",
          COZE_AUTH_MCP_API_TIMEOUT: "5"
        })
      )
      assert.isTrue(settings.readOnly)
      assert.strictEqual(settings.api.maxResultBytes, 2048)
      assert.isTrue(Duration.equals(settings.api.timeout, Duration.seconds(5)))
    })
  )

  it.effect("name a bad value's variable", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Settings.fromConfig.pipe(withEnv({ COZE_AUTH_MCP_MAX_RESULT_BYTES: "10" })))
      assert.strictEqual(error.field, "COZE_AUTH_MCP_MAX_RESULT_BYTES")
      assert.match(error.message, /at least 1024/)
      const timeout = yield* Effect.flip(Settings.fromConfig.pipe(withEnv({ COZE_AUTH_MCP_API_TIMEOUT: "soon" })))
      assert.strictEqual(timeout.field, "COZE_AUTH_MCP_API_TIMEOUT")
    })
  )

  it("--read-only is a flag", () => {
    assert.deepInclude(Settings.parseCommandLine(["--read-only", "--sandbox"]), { readOnly: true, sandbox: true })
    assert.deepInclude(Settings.parseCommandLine([]), { readOnly: false })
  })
})
