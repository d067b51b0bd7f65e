import type { FrameworkId, ReadContext, ReadResult } from '../types';
import type { FrameworkInventory } from './inventory';

/**
 * One framework's reader. A framework is one folder, `./frameworks/<id>/` (reader.ts, inventory.ts,
 * tables, README.md, fixtures/, tests), and a line in ./registry.ts (README "How to add a framework").
 */
export interface FrameworkReader<Id extends string = FrameworkId> {
  /**
   * The framework's id, also its folder name. Declare the reader as `FrameworkReader<'<id>'>`: the
   * registry's readers define `FrameworkId` (src/core/types.ts), so a literal id is what adds it.
   */
  id: Id;
  /** Display name the server sends with every snapshot (./labels.ts); one per framework. */
  label: string;
  /**
   * How sure we are, from content (the path only as a tie-breaker), that `text` is this
   * framework's run config: 0 = not at all, ≥ 0.5 = recognized. Must be cheap and never throw.
   */
  detect(text: string, path: string | undefined): number;
  /** Read a recognized file. Never throws: problems become diagnostics. */
  read(text: string, context: ReadContext): ReadResult;
  /**
   * Every key of this framework's own code that changes N or D, read from its source at a recorded
   * commit (see ./inventory.ts). The registry applies it to the keys `read` reports as written.
   */
  inventory?: FrameworkInventory;
}
