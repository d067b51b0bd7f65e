import { Document, isAlias, isMap, isScalar, isSeq, parseDocument, type Node, type Pair } from 'yaml';
import type { CoreDiagnostic, FieldSource } from '../types';
import { LineIndex } from './text';
import { TextCache } from './parseCache';

/**
 * A parsed YAML (or JSON-like YAML flow) document with source positions, and lookups that return
 * both the value and where it came from. Shared by every YAML-based reader.
 */
export interface YamlSource {
  doc: Document.Parsed;
  lines: LineIndex;
  diagnostics: CoreDiagnostic[];
}

/** A value found at a path, with its source. */
export interface Located<T = unknown> {
  value: T;
  source: FieldSource;
  node: Node;
}

/**
 * Parse YAML 1.1 (Python/PyYAML semantics: `739_328` is an int, `True` a bool) with alias expansion
 * bounded, unknown tags (e.g. Levanter's `!include`) kept as their scalar, and parse failures turned
 * into diagnostics. Returns undefined only when the text is not YAML at all.
 */
export function parseYaml(text: string): YamlSource | undefined {
  // Recognition asks every reader about the same text, and the chosen reader then reads it: parse
  // once. Readers treat the result as read-only, so sharing it is safe.
  return yamlCache.get(text, parseYamlUncached);
}

const yamlCache = new TextCache<YamlSource | undefined>();

function parseYamlUncached(text: string): YamlSource | undefined {
  const lines = new LineIndex(text);
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, {
      version: '1.1',
      prettyErrors: false,
      uniqueKeys: false,
      // A collection used as a map key (`? [a, b]: 1`, easy to half-type) made toJS() emit a process
      // warning per document, which the language server shows as an error in its output channel.
      logLevel: 'error',
      customTags: [{ tag: '!include', resolve: (value: string) => value }],
    }) as Document.Parsed;
  } catch {
    // Deeply nested input can overflow the parser's stack: report, never throw.
    return undefined;
  }
  const diagnostics: CoreDiagnostic[] = doc.errors.slice(0, 20).map((error) => ({
    severity: 'error' as const,
    code: 'yaml-syntax',
    message: `YAML: ${error.message.split('\n')[0]}`,
    range: lines.range(error.pos[0], error.pos[1]),
  }));
  return { doc, lines, diagnostics };
}

/** Normalize a key for comparison: GPT-NeoX treats '-' and '_' alike. */
export function normalizeKey(key: string, hyphenInsensitive: boolean): string {
  return hyphenInsensitive ? key.replace(/-/g, '_') : key;
}

/** Resolve an alias node to its target, with a hop bound. */
function resolveNode(source: YamlSource, node: unknown): unknown {
  let current = node;
  for (let hops = 0; hops < 8 && isAlias(current); hops++) {
    current = (current as { resolve(doc: Document): unknown }).resolve(source.doc);
  }
  return current;
}

/** The pair of a mapping whose key matches one of `keys` (last one wins, as in PyYAML). */
export function findPair(
  source: YamlSource,
  mapNode: unknown,
  keys: readonly string[],
  hyphenInsensitive = false,
): Pair<Node, Node> | undefined {
  const map = resolveNode(source, mapNode);
  if (!isMap(map)) return undefined;
  const wanted = new Set(keys.map((k) => normalizeKey(k, hyphenInsensitive)));
  let found: Pair<Node, Node> | undefined;
  for (const pair of map.items as Pair<Node, Node>[]) {
    const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
    if (key !== undefined && wanted.has(normalizeKey(key, hyphenInsensitive))) found = pair;
  }
  return found;
}

/** Follow a path of mapping keys from the document root (each segment may list aliases). */
export function getNode(
  source: YamlSource,
  path: readonly (string | readonly string[])[],
  hyphenInsensitive = false,
): Pair<Node, Node> | undefined {
  let current: unknown = source.doc.contents;
  let pair: Pair<Node, Node> | undefined;
  for (const segment of path) {
    pair = findPair(source, current, typeof segment === 'string' ? [segment] : segment, hyphenInsensitive);
    if (!pair) return undefined;
    current = pair.value;
  }
  return pair;
}

/** Plain JS value of a node (scalars, or small collections), alias-safe. */
export function nodeValue(source: YamlSource, node: unknown): unknown {
  const resolved = resolveNode(source, node);
  if (isScalar(resolved)) return resolved.value;
  if (isMap(resolved) || isSeq(resolved)) {
    try {
      return resolved.toJS(source.doc, { maxAliasCount: 100 });
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** A field source for a key/value pair. */
export function pairSource(source: YamlSource, pair: Pair<Node, Node>, file?: string): FieldSource {
  const key = pair.key as Node;
  const value = (pair.value ?? pair.key) as Node;
  const keyRange = key.range ?? [0, 0, 0];
  const valueRange = value.range ?? keyRange;
  return {
    key: isScalar(key) ? String(key.value) : '',
    keyRange: source.lines.range(keyRange[0], keyRange[1]),
    valueRange: source.lines.range(valueRange[0], valueRange[1]),
    raw: source.lines.text.slice(valueRange[0], valueRange[1]),
    ...(file ? { file } : {}),
  };
}

/** Look up a value by path and return it with its source, or undefined when absent. */
export function lookup<T = unknown>(
  source: YamlSource,
  path: readonly (string | readonly string[])[],
  hyphenInsensitive = false,
): Located<T> | undefined {
  const pair = getNode(source, path, hyphenInsensitive);
  if (!pair) return undefined;
  return {
    value: nodeValue(source, pair.value) as T,
    source: pairSource(source, pair),
    node: pair.value as Node,
  };
}

/** Top-level mapping keys of the document (normalized), for recognition. */
export function topLevelKeys(source: YamlSource, hyphenInsensitive = false): Set<string> {
  const keys = new Set<string>();
  const root = source.doc.contents;
  if (isMap(root)) {
    for (const pair of root.items) {
      if (isScalar(pair.key)) keys.add(normalizeKey(String(pair.key.value), hyphenInsensitive));
    }
  }
  return keys;
}

/** Keys of the mapping at a path (normalized). */
export function keysAt(source: YamlSource, path: readonly string[], hyphenInsensitive = false): Set<string> {
  const pair = path.length ? getNode(source, path, hyphenInsensitive) : undefined;
  const node = path.length ? resolveNode(source, pair?.value) : source.doc.contents;
  const keys = new Set<string>();
  if (isMap(node)) {
    for (const item of node.items) {
      if (isScalar(item.key)) keys.add(normalizeKey(String(item.key.value), hyphenInsensitive));
    }
  }
  return keys;
}
