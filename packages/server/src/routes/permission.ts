import { Hono } from "hono"
import { z } from "zod"
import type { Engine } from "@tandem/core/engine"
import { PermissionReply, PermissionRequest } from "@tandem/core/permission/permission"
import { notFound } from "../errors"
import { describe } from "../contract"
import { body } from "../validate"

export const ReplyBody = z
  .object({ reply: PermissionReply, message: z.string().optional() })
  .meta({ id: "PermissionReplyBody" })
export const RespondBody = z.object({ response: PermissionReply }).meta({ id: "PermissionRespondBody" })

/** `GET /permission`, `POST /permission/:id/reply`, and the older per-session respond route. */
export function permissionRoutes(engine: Engine) {
  return new Hono()
    .get(
      "/permission",
      describe({ id: "permission.list", summary: "Pending permission requests", response: z.array(PermissionRequest) }),
      (c) => c.json(engine.permissions.list()),
    )
    .post(
      "/permission/:requestID/reply",
      describe({ id: "permission.reply", summary: "Answer a permission request" }),
      body(ReplyBody),
      (c) => {
        const { reply, message } = c.req.valid("json")
        const done = engine.permissions.reply(c.req.param("requestID"), reply, message)
        return done ? c.json(true) : notFound(c, `permission request ${c.req.param("requestID")} is not pending`)
      },
    )
    .post(
      "/session/:sessionID/permissions/:permissionID",
      describe({ id: "permission.respond", summary: "Answer a permission request" }),
      body(RespondBody),
      (c) => {
        const request = engine.permissions.get(c.req.param("permissionID"))
        if (!request || request.sessionID !== c.req.param("sessionID"))
          return notFound(c, `permission request ${c.req.param("permissionID")} is not pending for this session`)
        engine.permissions.reply(request.id, c.req.valid("json").response)
        return c.json(true)
      },
    )
}
