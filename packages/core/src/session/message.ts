import { z } from "zod"
import { APIError, MessageError } from "./message-error"
import { SnapshotFileDiff } from "./file-diff"

/** Token counts as opencode reports them. */
export const Tokens = z
  .object({
    total: z.number().optional(),
    input: z.number(),
    output: z.number(),
    reasoning: z.number(),
    cache: z.object({ read: z.number(), write: z.number() }),
  })
  .meta({ id: "Tokens" })
export type Tokens = z.infer<typeof Tokens>

export function emptyTokens(): Tokens {
  return { input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } }
}

/** Adds `b` into a copy of `a`. */
export function addTokens(a: Tokens, b: Tokens): Tokens {
  return {
    total: (a.total ?? a.input + a.output) + (b.total ?? b.input + b.output),
    input: a.input + b.input,
    output: a.output + b.output,
    reasoning: a.reasoning + b.reasoning,
    cache: { read: a.cache.read + b.cache.read, write: a.cache.write + b.cache.write },
  }
}

const PartBase = {
  id: z.string().startsWith("prt_"),
  sessionID: z.string().startsWith("ses_"),
  messageID: z.string().startsWith("msg_"),
}

export const TextPart = z
  .object({
    ...PartBase,
    type: z.literal("text"),
    text: z.string(),
    synthetic: z.boolean().optional(),
    ignored: z.boolean().optional(),
    time: z.object({ start: z.number(), end: z.number().optional() }).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: "TextPart" })
export type TextPart = z.infer<typeof TextPart>

export const ReasoningPart = z
  .object({
    ...PartBase,
    type: z.literal("reasoning"),
    text: z.string(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    time: z.object({ start: z.number(), end: z.number().optional() }),
  })
  .meta({ id: "ReasoningPart" })
export type ReasoningPart = z.infer<typeof ReasoningPart>

export const FilePart = z
  .object({
    ...PartBase,
    type: z.literal("file"),
    mime: z.string(),
    filename: z.string().optional(),
    url: z.string(),
  })
  .meta({ id: "FilePart" })
export type FilePart = z.infer<typeof FilePart>

const Input = z.record(z.string(), z.unknown())
const Meta = z.record(z.string(), z.unknown())

export const ToolStatePending = z
  .object({ status: z.literal("pending"), input: Input, raw: z.string() })
  .meta({ id: "ToolStatePending" })
export const ToolStateRunning = z
  .object({
    status: z.literal("running"),
    input: Input,
    title: z.string().optional(),
    metadata: Meta.optional(),
    time: z.object({ start: z.number() }),
  })
  .meta({ id: "ToolStateRunning" })
export const ToolStateCompleted = z
  .object({
    status: z.literal("completed"),
    input: Input,
    output: z.string(),
    title: z.string(),
    metadata: Meta,
    time: z.object({ start: z.number(), end: z.number(), compacted: z.number().optional() }),
  })
  .meta({ id: "ToolStateCompleted" })
export const ToolStateError = z
  .object({
    status: z.literal("error"),
    input: Input,
    error: z.string(),
    metadata: Meta.optional(),
    time: z.object({ start: z.number(), end: z.number() }),
  })
  .meta({ id: "ToolStateError" })
export const ToolState = z
  .discriminatedUnion("status", [ToolStatePending, ToolStateRunning, ToolStateCompleted, ToolStateError])
  .meta({ id: "ToolState" })
export type ToolState = z.infer<typeof ToolState>

export const ToolPart = z
  .object({
    ...PartBase,
    type: z.literal("tool"),
    callID: z.string(),
    tool: z.string(),
    state: ToolState,
    metadata: Meta.optional(),
  })
  .meta({ id: "ToolPart" })
export type ToolPart = z.infer<typeof ToolPart>

export const StepStartPart = z
  .object({ ...PartBase, type: z.literal("step-start"), snapshot: z.string().optional() })
  .meta({ id: "StepStartPart" })
export type StepStartPart = z.infer<typeof StepStartPart>
export const StepFinishPart = z
  .object({
    ...PartBase,
    type: z.literal("step-finish"),
    reason: z.string(),
    snapshot: z.string().optional(),
    cost: z.number(),
    tokens: Tokens,
  })
  .meta({ id: "StepFinishPart" })
export type StepFinishPart = z.infer<typeof StepFinishPart>

export const AgentPart = z
  .object({
    ...PartBase,
    type: z.literal("agent"),
    name: z.string(),
    source: z.object({ value: z.string(), start: z.number(), end: z.number() }).optional(),
  })
  .meta({ id: "AgentPart" })

export const SubtaskPart = z
  .object({
    ...PartBase,
    type: z.literal("subtask"),
    prompt: z.string(),
    description: z.string(),
    agent: z.string(),
    model: z.object({ providerID: z.string(), modelID: z.string() }).optional(),
    command: z.string().optional(),
  })
  .meta({ id: "SubtaskPart" })

/** The project's files at a point of the turn, as a snapshot id. */
export const SnapshotPart = z
  .object({ ...PartBase, type: z.literal("snapshot"), snapshot: z.string() })
  .meta({ id: "SnapshotPart" })
export type SnapshotPart = z.infer<typeof SnapshotPart>

/** The files a step changed (absolute paths), and the snapshot from before it (`hash`) to undo them with. */
export const PatchPart = z
  .object({ ...PartBase, type: z.literal("patch"), hash: z.string(), files: z.array(z.string()) })
  .meta({ id: "PatchPart" })
export type PatchPart = z.infer<typeof PatchPart>

/** A failed model call that is being tried again. */
export const RetryPart = z
  .object({
    ...PartBase,
    type: z.literal("retry"),
    attempt: z.number().int().min(0),
    error: APIError,
    time: z.object({ created: z.number() }),
  })
  .meta({ id: "RetryPart" })
export type RetryPart = z.infer<typeof RetryPart>

/**
 * Marks a user message as a compaction request: the assistant message answering it (`summary: true`)
 * holds the summary that stands for everything before it. `tail_start_id` names the first earlier
 * message kept verbatim after the summary.
 */
export const CompactionPart = z
  .object({
    ...PartBase,
    type: z.literal("compaction"),
    auto: z.boolean(),
    overflow: z.boolean().optional(),
    tail_start_id: z.string().startsWith("msg_").optional(),
  })
  .meta({ id: "CompactionPart" })
export type CompactionPart = z.infer<typeof CompactionPart>

export const Part = z
  .discriminatedUnion("type", [
    TextPart,
    ReasoningPart,
    FilePart,
    ToolPart,
    StepStartPart,
    StepFinishPart,
    AgentPart,
    SubtaskPart,
    SnapshotPart,
    PatchPart,
    RetryPart,
    CompactionPart,
  ])
  .meta({ id: "Part" })
export type Part = z.infer<typeof Part>

/** A model, and the variant of it (a named set of call options from its config's `variants`) a turn asked for. */
export const ModelRef = z.object({ providerID: z.string(), modelID: z.string(), variant: z.string().optional() })
export type ModelRef = z.infer<typeof ModelRef>

export const UserMessage = z
  .object({
    id: z.string().startsWith("msg_"),
    sessionID: z.string().startsWith("ses_"),
    role: z.literal("user"),
    time: z.object({ created: z.number() }),
    agent: z.string(),
    model: ModelRef,
    /** Set on the user message a compaction or a turn's file changes are summarised on. */
    summary: z
      .object({ title: z.string().optional(), body: z.string().optional(), diffs: z.array(SnapshotFileDiff) })
      .optional(),
    system: z.string().optional(),
    tools: z.record(z.string(), z.boolean()).optional(),
  })
  .meta({ id: "UserMessage" })
export type UserMessage = z.infer<typeof UserMessage>

export const AssistantMessage = z
  .object({
    id: z.string().startsWith("msg_"),
    sessionID: z.string().startsWith("ses_"),
    role: z.literal("assistant"),
    time: z.object({ created: z.number(), completed: z.number().optional() }),
    error: MessageError.optional(),
    parentID: z.string(),
    modelID: z.string(),
    providerID: z.string(),
    /** The model variant the call used. */
    variant: z.string().optional(),
    mode: z.string(),
    agent: z.string(),
    path: z.object({ cwd: z.string(), root: z.string() }),
    summary: z.boolean().optional(),
    cost: z.number(),
    tokens: Tokens,
    finish: z.string().optional(),
  })
  .meta({ id: "AssistantMessage" })
export type AssistantMessage = z.infer<typeof AssistantMessage>

export const Message = z.discriminatedUnion("role", [UserMessage, AssistantMessage]).meta({ id: "Message" })
export type Message = z.infer<typeof Message>

/** A message with its parts, as the HTTP API returns it. */
export const WithParts = z.object({ info: Message, parts: z.array(Part) })
export type WithParts = z.infer<typeof WithParts>
