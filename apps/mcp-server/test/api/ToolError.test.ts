import * as CozeError from "@coze-auth/core/CozeError"
import { UnknownProfile } from "@coze-auth/profiles/ProfileError"
import { assert, describe, it } from "@effect/vitest"
import { InvalidPath, isToolError, LoginDeclined } from "../../src/ToolError.js"

describe("ToolError", () => {
  // The guard decides what reaches the model as a one-line isError result (anything else is a logged defect).
  it("is recognised by its type id, not by a _tag anyone can write", () => {
    assert.isTrue(isToolError(new InvalidPath({ path: "/x", reason: "not under /v1/" })))
    assert.isTrue(isToolError(new LoginDeclined({ profile: "default" })))
    assert.isTrue(isToolError(new UnknownProfile({ profile: "p", known: [] })))
    assert.isFalse(isToolError({ _tag: "InvalidPath", path: "/x", reason: "forged" }))
    assert.isFalse(isToolError(new CozeError.ConfigError({ description: "a CozeError is not a ToolError" })))
    assert.isFalse(isToolError(null))
  })
})
