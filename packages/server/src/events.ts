import { z } from "zod"
import { defineEvent } from "@tandem/core/bus/bus"

/** First frame of every event stream. Declared here, so the OpenAPI event union lists it too. */
export const ServerConnected = defineEvent("server.connected", z.object({}))
/** Sent on an idle event stream so that proxies and clients keep it open. */
export const ServerHeartbeat = defineEvent("server.heartbeat", z.object({}))
