import type { FrameworkId, ReadContext, ReadResult } from '../types';
import type { FrameworkInventory } from './inventory';

/**
 * One framework's reader. Adding a framework means adding one module that exports a reader, its
 * fixtures under test/fixtures/<framework>/, and a line in ./registry.ts.
 */
export interface FrameworkReader {
  id: FrameworkId;
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
