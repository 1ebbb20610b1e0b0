import type { z } from "zod"

/** An event kind: its wire name and the zod schema of its properties. */
export type EventDef<Name extends string = string, Schema extends z.ZodType = z.ZodType> = {
  name: Name
  schema: Schema
}

const registry = new Map<string, EventDef>()

/** Declares an event kind once; the SSE stream and the OpenAPI union are built from the registry. */
export function defineEvent<Name extends string, Schema extends z.ZodType>(name: Name, schema: Schema) {
  const def = { name, schema }
  registry.set(name, def)
  return def as EventDef<Name, Schema>
}

/** Every declared event kind. */
export function events() {
  return [...registry.values()]
}

/** What a subscriber receives: the event name and its properties. */
export type Envelope = { type: string; properties: unknown }

type Listener = (event: Envelope) => void

/**
 * A synchronous in-process bus. Publish after the write it announces; a subscriber that
 * throws is reported to `onError` and never reaches the publisher.
 */
export class Bus {
  private listeners = new Set<Listener>()
  constructor(private onError: (error: unknown) => void = (error) => console.error("bus subscriber failed", error)) {}

  publish<S extends z.ZodType>(def: EventDef<string, S>, properties: z.infer<S>) {
    const event = { type: def.name, properties }
    for (const listener of this.listeners) {
      try {
        listener(event)
      } catch (error) {
        this.onError(error)
      }
    }
  }

  /** Subscribes to every event; returns the unsubscribe function. */
  subscribe(listener: Listener) {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  /** Subscribes to one kind with typed properties. */
  on<S extends z.ZodType>(def: EventDef<string, S>, listener: (properties: z.infer<S>) => void) {
    return this.subscribe((event) => {
      if (event.type === def.name) listener(event.properties as z.infer<S>)
    })
  }

  /** Resolves with the first event of `def` whose properties satisfy `match`. */
  once<S extends z.ZodType>(def: EventDef<string, S>, match: (properties: z.infer<S>) => boolean = () => true) {
    return new Promise<z.infer<S>>((resolve) => {
      const off = this.on(def, (properties) => {
        if (!match(properties)) return
        off()
        resolve(properties)
      })
    })
  }

  get size() {
    return this.listeners.size
  }
}
