import os from "node:os"
import path from "node:path"
import { GitSnapshotStore } from "./git-store"
import type { SnapshotFileDiff } from "./file-diff"

/**
 * What the prompt loop asks around one step: the tree before it, and after it the tree and the
 * files the step changed. Either answers undefined when snapshots are off or git failed; a step
 * never fails because of a snapshot.
 */
export type StepSnapshot = {
  start(): Promise<string | undefined>
  finish(start: string): Promise<{ snapshot: string; files: string[] } | undefined>
  /** Told once the parts of a step that changed files are written. Must not throw. */
  changed(): void
}

export type SnapshotsOptions = {
  /** False turns snapshots off (opencode's `snapshot: false`): no snapshot parts, no patches, nothing to revert. */
  enabled: boolean
  /** Where the object stores live, one per project directory. */
  root: string
  /** Paths never snapshotted (Tandem's own data when it lives inside the project). */
  exclude: string[]
  /** Told after a step changed files in a session. Must not throw. */
  onChanged?(sessionID: string): void
  /** Told when git failed; the step goes on without its snapshot. */
  onError?(error: unknown): void
}

/** The snapshot stores of the directories sessions work in, made on first use. */
export class Snapshots {
  private stores = new Map<string, GitSnapshotStore>()

  constructor(readonly options: SnapshotsOptions) {}

  get enabled() {
    return this.options.enabled
  }

  /** The store of `directory`. */
  store(directory: string) {
    const key = path.resolve(directory)
    let store = this.stores.get(key)
    if (!store) {
      store = new GitSnapshotStore(key, this.options.root, this.options.exclude)
      this.stores.set(key, store)
    }
    return store
  }

  /**
   * Whether `directory` is snapshotted: not when snapshots are off, nor for a home directory or
   * a file system root, whose trees are no project's and could be huge.
   */
  covers(directory: string) {
    const resolved = path.resolve(directory)
    return this.enabled && resolved !== os.homedir() && resolved !== path.parse(resolved).root
  }

  /** The directory's current tree; undefined when snapshots are off or git failed. */
  async track(directory: string): Promise<string | undefined> {
    if (!this.covers(directory)) return undefined
    return this.store(directory)
      .track()
      .catch((error) => void this.options.onError?.(error))
  }

  /** Per-file changes from `from` to `to` (to the current tree when `to` is left out). */
  async diff(directory: string, from: string, to?: string): Promise<SnapshotFileDiff[]> {
    const end = to ?? (await this.track(directory))
    if (!end) return []
    return this.store(directory).diff(from, end)
  }

  /** The snapshot hooks of one step of `sessionID` in `directory`; undefined when snapshots are off. */
  forStep(sessionID: string, directory: string): StepSnapshot | undefined {
    if (!this.covers(directory)) return undefined
    return {
      start: () => this.track(directory),
      finish: async (start) => {
        const snapshot = await this.track(directory)
        if (!snapshot) return undefined
        const files =
          snapshot === start
            ? []
            : await this.store(directory)
                .changed(start, snapshot)
                .catch((error) => void this.options.onError?.(error))
        if (!files) return undefined
        return { snapshot, files }
      },
      changed: () => this.options.onChanged?.(sessionID),
    }
  }
}
