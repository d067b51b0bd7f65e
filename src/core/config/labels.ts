import type { FrameworkId } from '../types';
import { READERS } from './registry';

/**
 * Display names of the frameworks, from each registered reader's `label`. The server sends them with
 * every snapshot and document kind, so the client holds no list of frameworks (a new framework needs
 * no client change). Server-side only: importing this module imports every reader.
 */
export const FRAMEWORK_LABELS: Readonly<Record<FrameworkId, string>> = Object.fromEntries(
  READERS.map((reader) => [reader.id, reader.label]),
) as Record<FrameworkId, string>;

/** A framework id's display name (an unknown id falls back to itself). */
export function frameworkLabel(id: string): string {
  return Object.hasOwn(FRAMEWORK_LABELS, id) ? FRAMEWORK_LABELS[id as FrameworkId] : id;
}
