import { z } from "zod"
import { defineEvent } from "@tandem/core/bus/bus"

export const ServerConnected = defineEvent("server.connected", z.object({}))
export const ServerHeartbeat = defineEvent("server.heartbeat", z.object({}))
