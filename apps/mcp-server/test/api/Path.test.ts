import { assert, describe, it } from "@effect/vitest"
import { Either, Option } from "effect"
import * as Path from "../../src/api/Path.js"

const refusal = (path: string) => Option.getOrElse(Either.getLeft(Path.validate(path)), () => "(accepted)")

describe("Path.validate", () => {
  it("accepts Coze OpenAPI paths, with a query in the path or not", () => {
    assert.deepStrictEqual(Path.validate("/v1/users/me"), Either.right({ path: "/v1/users/me", query: [] }))
    assert.deepStrictEqual(
      Path.validate("/v1/bots?workspace_id=7&page_size=2"),
      Either.right({
        path: "/v1/bots",
        query: [
          ["workspace_id", "7"],
          ["page_size", "2"]
        ]
      })
    )
    for (const path of ["/v3/chat", "/v1/files/abc%20def", "/v1/workflows/1:run", "/v1/conversation/create/"]) {
      assert.isTrue(Either.isRight(Path.validate(path)), path)
    }
  })

  it("says why it refuses a path", () => {
    const cases: ReadonlyArray<readonly [string, RegExp]> = [
      ["https://evil.example/v1/x", /absolute URLs/],
      ["HTTP://evil.example/v1/x", /absolute URLs/],
      ["//evil.example/v1/x", /another host/],
      ["/v1\\x", /backslashes/],
      ["/v1/../x", /dot segments/],
      ["/v1/./x", /dot segments/],
      ["/v1/x/..", /dot segments/],
      ["/v1/%2e%2E/x", /dot segments/],
      ["/v1/.%2e/x", /dot segments/],
      ["/v1/%25252e%25252e/x", /dot segments/],
      ["/v1/a%2fb", /encoded \//],
      ["/v1/a%252Fb", /encoded \//],
      ["/v1/a%5Cb", /encoded \//],
      ["/v1/%zz", /malformed/],
      ["/v1//x", /empty segments/],
      ["/v1/x y", /" " must be percent-encoded/],
      ["/v1/x\n", /must be percent-encoded/],
      ["/v1/é", /must be percent-encoded/],
      ["/v1/x#frag", /fragment/],
      ["/v2/x", /only \/v1\//],
      ["/v1", /only \/v1\//],
      ["v1/users/me", /only \/v1\//],
      ["/__emulator/requests", /only \/v1\//]
    ]
    for (const [path, reason] of cases) assert.match(refusal(path), reason, path)
  })
})

describe("Path.resolve", () => {
  it("keeps the api base's own path and refuses a base that is no URL", () => {
    const target = { path: "/v1/users/me", query: [] }
    assert.deepStrictEqual(Path.resolve("https://api.coze.cn", target), Either.right("https://api.coze.cn/v1/users/me"))
    assert.deepStrictEqual(
      Path.resolve("http://127.0.0.1:9/proxy/", target),
      Either.right("http://127.0.0.1:9/proxy/v1/users/me")
    )
    assert.isTrue(Either.isLeft(Path.resolve("not a url", target)))
  })
})
