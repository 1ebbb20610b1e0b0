/** What a take-over of dead owners' work did: sessions closed, tasks resumed, interrupted, delivered. */
export type RecoveryReport = {
  closed: string[]
  resumed: string[]
  interrupted: string[]
  /** Finished results handed to a parent that still exists. */
  delivered: string[]
}
