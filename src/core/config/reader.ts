import type { FrameworkId, ReadContext, ReadResult, RunSpec } from '../types';
import type { ExtractedSchedule } from '../schedule/types';
import type { FrameworkInventory } from './inventory';
import type { LayoutDefaults, ParallelLayout, ResolvedLayout } from '../model/layout';
import type { MemoryEdit } from '../model/memoryEdits';

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
  /**
   * The parallel layout the file states (./frameworks/<id>/layout.ts) and the framework's own layout
   * defaults, for the memory estimate. Without it, memory is not estimated (rather than estimated on
   * guessed defaults).
   */
  layout?: FrameworkLayout;
  /**
   * The LR schedule, batch ramp and run length the file states (./frameworks/<id>/schedule.ts), with
   * the framework's own defaults cited there; `spec` is this reader's spec of the text when the
   * caller has it. Without it, the schedule hover and "loss over training" say there is no extractor.
   * It imports only src/core/schedule/{types,common} (never schedule/index: that imports the registry).
   */
  schedule?: (text: string, context?: ReadContext, spec?: RunSpec) => ExtractedSchedule;
}

/** A framework's layout reader and defaults (README "How to add a framework"). */
export interface FrameworkLayout {
  /**
   * Read the layout keys the file states; absent keys stay undefined so `resolveLayout` applies
   * `defaults` and says so. `gpus` is the file's (or the setting's) usable device count; `parsed` is
   * the framework reader's own parse (`ReadResult.parsed`), to be reused when it is the right kind.
   * May throw: the registry then drops the layout (never the analysis).
   */
  read(text: string, options: { gpus?: number; parsed?: unknown; context: ReadContext }): ParallelLayout;
  /** The framework's defaults, cited from its argument parser / config classes. */
  defaults: LayoutDefaults;
  /**
   * One-key edits that change memory per GPU, in the file's own terms (quick fixes and what-if rows;
   * src/core/model/memoryEdits.ts `planMemoryEdits`). Absent: the file gets no memory fixes.
   */
  edits?(text: string, layout: ResolvedLayout, context: ReadContext): MemoryEdit[];
}
