/**
 * The `scope` of a JWT token request: which permissions, bots, workspaces and workflows the token covers.
 * Coze honours it for channel apps only. Sent in the request body (not in the JWT), snake_case as on the wire.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

const Ids = Schema.Array(Schema.String)

/**
 * @since 0.1.0
 * @category Schemas
 */
export const Scope = Schema.Struct({
  account_permission: Schema.optional(Schema.Struct({ permission_list: Ids })),
  attribute_constraint: Schema.optional(
    Schema.Struct({ connector_bot_chat_attribute: Schema.Struct({ bot_id_list: Ids }) })
  ),
  workspace_permission: Schema.optional(Schema.Struct({ workspace_id_list: Ids, permission_list: Ids })),
  workflow_permission: Schema.optional(Schema.Struct({ workflow_id_list: Ids, permission_list: Ids }))
})

/**
 * @since 0.1.0
 * @category Models
 */
export type Scope = typeof Scope.Type

/**
 * Chat with the given bots (every published bot of the channel when the list is empty).
 * Permissions default to `Connector.botChat`, as in every SDK.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const botChat = (
  botIds: ReadonlyArray<string>,
  permissions: ReadonlyArray<string> = ["Connector.botChat"]
): Scope => ({
  account_permission: { permission_list: permissions },
  ...(botIds.length > 0 ? { attribute_constraint: { connector_bot_chat_attribute: { bot_id_list: botIds } } } : {})
})

/**
 * Permissions on the given workspaces.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const workspace = (workspaceIds: ReadonlyArray<string>, permissions: ReadonlyArray<string>): Scope => ({
  workspace_permission: { workspace_id_list: workspaceIds, permission_list: permissions }
})

/**
 * Permissions on the given workflows.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const workflow = (workflowIds: ReadonlyArray<string>, permissions: ReadonlyArray<string>): Scope => ({
  workflow_permission: { workflow_id_list: workflowIds, permission_list: permissions }
})

const union = (left: ReadonlyArray<string> = [], right: ReadonlyArray<string> = []) => [...new Set([...left, ...right])]

const mergeTwo = (left: Scope, right: Scope): Scope => {
  const permissions = union(left.account_permission?.permission_list, right.account_permission?.permission_list)
  const bots = union(
    left.attribute_constraint?.connector_bot_chat_attribute.bot_id_list,
    right.attribute_constraint?.connector_bot_chat_attribute.bot_id_list
  )
  const workspaces = left.workspace_permission ?? right.workspace_permission
  const workflows = left.workflow_permission ?? right.workflow_permission
  return {
    ...(left.account_permission || right.account_permission
      ? { account_permission: { permission_list: permissions } }
      : {}),
    ...(bots.length > 0 ? { attribute_constraint: { connector_bot_chat_attribute: { bot_id_list: bots } } } : {}),
    ...(workspaces
      ? {
          workspace_permission: {
            workspace_id_list: union(
              left.workspace_permission?.workspace_id_list,
              right.workspace_permission?.workspace_id_list
            ),
            permission_list: union(
              left.workspace_permission?.permission_list,
              right.workspace_permission?.permission_list
            )
          }
        }
      : {}),
    ...(workflows
      ? {
          workflow_permission: {
            workflow_id_list: union(
              left.workflow_permission?.workflow_id_list,
              right.workflow_permission?.workflow_id_list
            ),
            permission_list: union(
              left.workflow_permission?.permission_list,
              right.workflow_permission?.permission_list
            )
          }
        }
      : {})
  }
}

/**
 * One scope covering all of the given ones: id and permission lists are united.
 *
 * @since 0.1.0
 * @category Combinators
 */
export const merge = (...scopes: ReadonlyArray<Scope>): Scope => scopes.reduce(mergeTwo, {})
