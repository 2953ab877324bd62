import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Browser from "../src/Browser.js"

describe("Browser", () => {
  it("starts the platform opener with the URL as one argument", () => {
    const url = "https://www.coze.cn/api/permission/oauth2/authorize?a=1&b=$(rm -rf ~)"
    assert.deepStrictEqual(Browser.command("darwin", url), ["open", [url]])
    assert.deepStrictEqual(Browser.command("linux", url), ["xdg-open", [url]])
    assert.deepStrictEqual(Browser.command("win32", url), ["rundll32", ["url.dll,FileProtocolHandler", url]])
  })

  it.effect("opens only http and https URLs", () =>
    Effect.gen(function* () {
      const browser = Browser.makeSystem({ platform: "linux", env: { DISPLAY: ":0" } })
      for (const url of ["file:///etc/passwd", "javascript:alert(1)", "not a url", "ftp://x"]) {
        const error = yield* Effect.flip(browser.open(url))
        assert.strictEqual(error._tag, "BrowserUnavailable")
      }
    })
  )

  it.effect("says so when there is no graphical session, so the caller shows the URL", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Browser.makeSystem({ platform: "linux", env: {} }).open("https://example.com"))
      assert.include(error.message, "open the URL yourself")
    })
  )
})
