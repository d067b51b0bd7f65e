import { parseTree, type Node as JsonNode, type ParseError } from 'jsonc-parser';
import { parseTOML, type AST } from 'toml-eslint-parser';

/**
 * Parses keyed by the text itself (content-addressed), a few entries per format — YAML
 * (yamlSource.ts), TOML and JSON (here), shell scripts that source nothing (shell.ts), nanoGPT's
 * Python scan and OLMo-core's masked Python (their readers): recognition asks
 * every reader about the same text and the chosen reader, the layout reader and the hovers' re-reads
 * read it again, while the editor interleaves several open documents. Keying by content rather than
 * by document URI and version means an entry can never be stale, and equal texts share one parse.
 * Callers treat results as read-only.
 */
export class TextCache<T> {
  private readonly entries = new Map<string, T>();

  constructor(private readonly capacity = 8) {}

  /** The entry for `key` (refreshed as most recently used), or undefined. */
  peek(key: string): T | undefined {
    const hit = this.entries.get(key);
    if (hit === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit;
  }

  /** Store `value` under `key`, dropping the least recently used entry beyond capacity. */
  put(key: string, value: T): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }

  get(text: string, parse: (text: string) => T): T {
    const hit = this.entries.get(text);
    if (hit !== undefined || this.entries.has(text)) {
      // Refresh: most recently used last.
      this.entries.delete(text);
      this.entries.set(text, hit as T);
      return hit as T;
    }
    const value = parse(text);
    this.entries.set(text, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    return value;
  }
}

const tomlCache = new TextCache<AST.TOMLProgram | Error>();

/** `parseTOML` through the shared cache; throws what the parser threw (the error is cached too). */
export function parseTomlCached(text: string): AST.TOMLProgram {
  const result = tomlCache.get(text, (t) => {
    try {
      return parseTOML(t);
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  });
  if (result instanceof Error) throw result;
  return result;
}

const jsonCache = new TextCache<{ root: JsonNode | undefined; errors: ParseError[] } | Error>();

/**
 * jsonc-parser's `parseTree` (trailing commas and comments allowed, as the HF reader reads
 * `config.json`) through the shared cache: detection and reading parse the same text once. The
 * parse errors are copied into `errors`; throws what the parser threw.
 */
export function parseJsonTreeCached(text: string, errors?: ParseError[]): JsonNode | undefined {
  const result = jsonCache.get(text, (t) => {
    try {
      const found: ParseError[] = [];
      const root = parseTree(t, found, { allowTrailingComma: true, disallowComments: false });
      return { root, errors: found };
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  });
  if (result instanceof Error) throw result;
  errors?.push(...result.errors);
  return result.root;
}
