const adjectives = ["quiet", "brisk", "clever", "steady", "bright", "calm", "keen", "swift", "bold", "gentle"]
const nouns = ["falcon", "otter", "maple", "river", "comet", "harbor", "willow", "lynx", "ember", "meadow"]

/** A short, readable name for a new session ("quiet-falcon"), as opencode gives one. */
export function slug() {
  const pick = (list: string[]) => list[Math.floor(Math.random() * list.length)]!
  return `${pick(adjectives)}-${pick(nouns)}`
}
