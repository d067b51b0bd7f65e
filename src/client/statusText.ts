import type { DocumentKind } from '../protocol';

/** The language status text and detail for a document without an analysis (pure, unit-tested). */
export function describeDocumentKind(kind: DocumentKind): { text: string; detail: string } {
  switch (kind.kind) {
    case 'run-config':
      return { text: kind.frameworkLabel, detail: 'recognized run config' };
    case 'unreadable':
      return {
        text: `${kind.frameworkLabel ?? 'Run config'}: not read`,
        detail: kind.message,
      };
    case 'unsupported-framework':
      return { text: `Unsupported: ${kind.framework}`, detail: kind.hint };
    case 'config-like':
      return {
        text: 'Looks like a run config (unsupported framework)',
        detail: `${kind.hint} (keys seen: ${kind.keys.join(', ')})`,
      };
    case 'not-a-run-config':
      return { text: 'Not a run config', detail: 'Scaling Lens recognizes training configs by content' };
  }
}
