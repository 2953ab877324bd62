import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect } from "effect"
import { fromConfigError } from "../src/CozeError.js"
import * as Region from "../src/Region.js"

const regionOf = (env: Record<string, string>) =>
  Effect.flip(Region.config).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))))

describe("Region", () => {
  it("recognises almost-right public base URLs and names the value to use", () => {
    const cases: ReadonlyArray<readonly [string, "api" | "www", string]> = [
      ["http://api.coze.cn", "api", "uses http; coze.cn is served over https; use https://api.coze.cn"],
      [
        "https://www.coze.cn",
        "api",
        "names the web (authorize page) host of coze.cn, not its API host; use https://api.coze.cn"
      ],
      [
        "https://coze.com",
        "api",
        "names the web (authorize page) host of coze.com, not its API host; use https://api.coze.com"
      ],
      [" https://api.coze.cn", "api", "has spaces around it; use https://api.coze.cn"],
      ["https://api.coze.cn/v1", "api", "has a path; coze.cn's base is the host alone; use https://api.coze.cn"],
      [
        "https://api.coze.com",
        "www",
        "names the API host of coze.com, not its web (authorize page) host; use https://www.coze.com"
      ],
      ["api.coze.cn", "api", "is not an http(s) URL; use https://api.coze.cn"]
    ]
    for (const [value, role, problem] of cases) assert.strictEqual(Region.baseUrlProblem(value, role), problem, value)
  })

  it("leaves right and custom base URLs alone", () => {
    for (const value of [
      "https://api.coze.cn",
      "https://api.coze.cn/",
      "http://127.0.0.1:4011",
      "https://proxy.example/coze"
    ])
      assert.isUndefined(Region.baseUrlProblem(value, "api"), value)
  })

  it.effect("reports both base URLs when both are malformed", () =>
    Effect.gen(function* () {
      const error = fromConfigError(yield* regionOf({ COZE_API_BASE: "http://api.coze.cn", COZE_WWW_BASE: "nope" }))
      assert.strictEqual(error.field, "COZE_API_BASE, COZE_WWW_BASE")
    })
  )
})
