// What every renderer is given, and the one error a renderer throws: shared by renderers.ts and the
// modules that render one benchmark's regions.
import { resultsFolder, storedFiles, type StoredName, type StoredResults } from "./stored.ts";

export interface RenderContext {
  readonly stored: StoredResults;
  /** The page being rendered, relative to the repository root (for relative links). */
  readonly doc: string;
}

/** A region's arguments did not fit its renderer, or name something the stored run lacks. */
export class RenderError extends Error {
  override name = "RenderError";
}

/** A stored file's path relative to the repository root, for messages and links. */
export const storedPath = (name: StoredName) => `${resultsFolder}/${storedFiles[name].file}`;
