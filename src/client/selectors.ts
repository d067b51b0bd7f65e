/**
 * Which documents Scaling Lens looks at. Run configs are YAML, JSON, TOML, Python and shell files;
 * content sniffing on the server decides whether one is a run config. The extension contributes a
 * `toml` language and grammar (code-server ships none); `*.toml` and `*.sh` are also matched by
 * pattern for editors whose files open under another language id.
 */
import type { DocumentFilter } from 'vscode-languageclient';

/** Language ids we attach to (when a language extension provides them). */
export const LANGUAGE_IDS = ['yaml', 'json', 'jsonc', 'toml', 'python', 'shellscript'] as const;

/** File patterns that work without any language extension. */
export const FILE_PATTERNS = ['**/*.toml', '**/*.sh'] as const;

/** The selector shared by the language client and the status item. */
export const DOCUMENT_SELECTOR: DocumentFilter[] = [
  ...LANGUAGE_IDS.map((language) => ({ language })),
  ...FILE_PATTERNS.map((pattern) => ({ pattern })),
];
