/**
 * Shared pieces of the layout readers of YAML and Python-assignment configs (nanoGPT, LitGPT,
 * llm-foundry, OLMo, OLMo-core, MaxText, Levanter): a builder that records each layout value with
 * the source range of its key, unusable values as written (validation names the key) and keys the
 * estimate does not model; and text edits that replace or insert one YAML key for the memory fixes.
 */
import { isMap, isScalar, type Node, type Pair } from 'yaml';
import type { FieldSource } from '../types';
import type { LayoutKey, LayoutValueKey, ParallelLayout } from '../model/layout';
import type { MemoryEdit, OffsetReplacement } from '../model/memoryEdits';
import { getNode, lookup, parseYaml, type Located, type YamlSource } from './yamlSource';
import { omegaConfResolver } from './specBuilder';

type ValueKey = LayoutValueKey;

/** A layout under construction. */
export class LayoutBuilder {
  readonly layout: ParallelLayout = { sources: {} };

  /** A value the file states, at the key it came from. */
  set<K extends ValueKey>(key: K, value: ParallelLayout[K], source: FieldSource | undefined): void {
    this.layout[key] = value;
    if (source) this.layout.sources[key] = source;
  }

  /** A value derived from another key (e.g. gradient accumulation from the global batch). */
  derive<K extends ValueKey>(key: K, value: ParallelLayout[K], source?: FieldSource): void {
    this.set(key, value, source);
  }

  /** A stated value that is not usable, kept as written so validation names the key. */
  invalid(key: LayoutKey, source: FieldSource): void {
    (this.layout.invalid ??= {})[key] = source.raw;
    this.layout.sources[key] = source;
  }

  /** A key whose value changes memory in a way the estimate does not model. */
  unmodelled(source: FieldSource, why: string): void {
    (this.layout.unmodelled ??= []).push({ ...source, why });
  }

  /**
   * A count ≥ 1 as stated, or undefined; a stated value that is not one (a word, 1e400, 0) is
   * recorded as invalid under `key`.
   */
  count(key: LayoutKey, found: { value: unknown; source: FieldSource } | undefined): number | undefined {
    if (!found) return undefined;
    const v = asCount(found.value);
    if (v === undefined) {
      this.invalid(key, found.source);
      return undefined;
    }
    this.layout.sources[key] = found.source;
    return v;
  }
}

/** A positive safe integer (YAML `1_024`, numeric strings as a CLI would type them), else undefined. */
export function asCount(value: unknown): number | undefined {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\s*\d[\d_]*\s*$/.test(value)
        ? Number(value.replace(/_/g, ''))
        : NaN;
  return Number.isSafeInteger(n) && n >= 1 ? n : undefined;
}

/** An integer that may be -1 ("the rest", MaxText/Composer/torchtitan) or ≥ 1. */
export function asDegree(value: unknown): number | undefined {
  if (value === -1 || value === '-1') return -1;
  return asCount(value);
}

/**
 * Look-ups under `root` (an mcli run file's `parameters:`), with `${a.b}` OmegaConf interpolations
 * resolved within the file (the readers' own resolver; its diagnostics are the reader's to give).
 */
export function yamlGetter(
  yaml: YamlSource,
  root: readonly string[] = [],
): (path: readonly string[]) => Located | undefined {
  const resolve = omegaConfResolver(yaml, [], root.length ? [root, []] : [[]]);
  return (path) => {
    const found = lookup(yaml, [...root, ...path]);
    // An interpolation that does not resolve stays as written: a count then reads as invalid and
    // a word as unmodelled, so the key is named rather than a default used.
    return found ? (resolve(found) ?? found) : undefined;
  };
}

// ---------------------------------------------------------------------------------------------
// YAML edits (offsets into the text the edit is planned on, BOM included).

/** The YAML of `text` (BOM dropped as the readers do) and the offset of its first character. */
export function yamlForEdits(text: string): { yaml: YamlSource; base: number } | undefined {
  const base = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const yaml = parseYaml(base ? text.slice(1) : text);
  return yaml && isMap(yaml.doc.contents) ? { yaml, base } : undefined;
}

/** The pair at a path (first alias of each segment that exists). */
export function yamlPair(
  yaml: YamlSource,
  path: readonly (string | readonly string[])[],
): Pair<Node, Node> | undefined {
  return getNode(yaml, path);
}

/** Replace the scalar value of a pair. */
export function replaceYamlValue(
  pair: Pair<Node, Node>,
  base: number,
  newText: string,
): OffsetReplacement | undefined {
  const range = (pair.value as Node | null)?.range;
  if (!range || !isScalar(pair.value)) return undefined;
  return { start: range[0] + base, end: range[1] + base, newText };
}

/**
 * Halve and double a Composer-style micro-batch key (`device_train_microbatch_size`, written `m`)
 * inside a device batch of `device` sequences: halving needs an even `m`, doubling a `2m` that still
 * divides the device batch (the accumulation then halves or doubles and the global batch stays).
 */
export function microBatchHalveDoubleEdits(
  pair: Pair<Node, Node>,
  base: number,
  key: string,
  m: number,
  device: number,
): MemoryEdit[] {
  const edits: MemoryEdit[] = [];
  const edit = (kind: 'micro-batch-half' | 'micro-batch-double', value: number) => {
    const r = replaceYamlValue(pair, base, String(value));
    if (r) edits.push({ kind, label: `${key}: ${value}`, key, replacements: [r] });
  };
  if (m >= 2 && m % 2 === 0) edit('micro-batch-half', m / 2);
  if (device % (m * 2) === 0) edit('micro-batch-double', m * 2);
  return edits;
}

/**
 * Insert `key: value` into the block mapping at `parent` (a pair whose value is a block map, or the
 * document root when `parent` is undefined): before its first key, at that key's indentation.
 * Flow maps (`{a: 1}`) and empty values are not edited (undefined).
 */
export function insertYamlKey(
  yaml: YamlSource,
  base: number,
  parent: Pair<Node, Node> | undefined,
  key: string,
  value: string,
): OffsetReplacement | undefined {
  const text = yaml.lines.text;
  const map = parent ? parent.value : yaml.doc.contents;
  if (!isMap(map) || (map as { flow?: boolean }).flow || !map.items.length) return undefined;
  const first = (map.items[0] as Pair<Node, Node>).key as Node | null;
  const start = first?.range?.[0];
  if (start === undefined) return undefined;
  let lineStart = start;
  while (lineStart > 0 && text[lineStart - 1] !== '\n') lineStart--;
  const indent = text.slice(lineStart, start);
  if (!/^[ ]*$/.test(indent)) return undefined;
  const eol = /\r\n/.test(text) ? '\r\n' : '\n';
  return { start: lineStart + base, end: lineStart + base, newText: `${indent}${key}: ${value}${eol}` };
}

/** Append a top-level `key: value` line at the end of the document. */
export function appendYamlKey(text: string, key: string, value: string): OffsetReplacement {
  const eol = /\r\n/.test(text) ? '\r\n' : '\n';
  const lead = text.length === 0 || /[\r\n]$/.test(text) ? '' : eol;
  return { start: text.length, end: text.length, newText: `${lead}${key}: ${value}${eol}` };
}

/**
 * Replace a pair's scalar value with `value`, keeping the quotes the file wrote it with (`"8"` →
 * `"4"`). Undefined for an alias, a collection or an empty value (`key:` with nothing after it:
 * writing there could run into a following `# comment`), so such a key is left alone rather
 * than duplicated.
 */
export function rewriteYamlScalar(
  yaml: YamlSource,
  base: number,
  pair: Pair<Node, Node>,
  value: string,
): OffsetReplacement | undefined {
  const range = (pair.value as Node | null)?.range;
  if (!range || !isScalar(pair.value) || range[1] <= range[0]) return undefined;
  const raw = yaml.lines.text.slice(range[0], range[1]);
  const quote = /^(["'])[\s\S]*\1$/.exec(raw)?.[1] ?? '';
  return { start: range[0] + base, end: range[1] + base, newText: `${quote}${value}${quote}` };
}

/** A YAML boolean in the case the file already writes one (`False` → `True`, `false` → `true`). */
export function yamlBoolLike(raw: string | undefined, value: boolean): string {
  const word = value ? 'true' : 'false';
  const r = raw?.trim().replace(/^["']|["']$/g, '') ?? '';
  if (/^[A-Z]+$/.test(r) && r.length > 1) return word.toUpperCase();
  if (/^[A-Z]/.test(r)) return word[0]!.toUpperCase() + word.slice(1);
  return word;
}

/**
 * Insert `key: value` lines right after the line of `after` (a pair of a block mapping whose scalar
 * value ends on that line), at its key's indentation: companion keys land beside the key they go
 * with. Undefined when the key is not at the start of its line (a flow map) or the value spans
 * lines.
 */
export function insertYamlKeysAfter(
  yaml: YamlSource,
  base: number,
  after: Pair<Node, Node>,
  entries: readonly (readonly [string, string])[],
): OffsetReplacement | undefined {
  const text = yaml.lines.text;
  const keyStart = (after.key as Node | null)?.range?.[0];
  const valueEnd = (after.value as Node | null)?.range?.[1];
  if (keyStart === undefined || valueEnd === undefined || !isScalar(after.value) || !entries.length)
    return undefined;
  let lineStart = keyStart;
  while (lineStart > 0 && text[lineStart - 1] !== '\n') lineStart--;
  const indent = text.slice(lineStart, keyStart);
  if (!/^[ ]*$/.test(indent) || /[\r\n]/.test(text.slice(keyStart, valueEnd))) return undefined;
  const eol = /\r\n/.test(text) ? '\r\n' : '\n';
  const newline = text.indexOf('\n', valueEnd);
  const lines = entries.map(([k, v]) => `${indent}${k}: ${v}${eol}`).join('');
  if (newline < 0) return { start: text.length + base, end: text.length + base, newText: `${eol}${lines}` };
  return { start: newline + 1 + base, end: newline + 1 + base, newText: lines };
}

/**
 * Insert `key: value` lines at the top of the block mapping `parent` (a pair whose value is a block
 * map): on the line after the parent's key, at the indentation of the map's first key — so a
 * comment above that first key stays with it. Undefined for flow or empty maps.
 */
export function insertYamlKeysFirst(
  yaml: YamlSource,
  base: number,
  parent: Pair<Node, Node>,
  entries: readonly (readonly [string, string])[],
): OffsetReplacement | undefined {
  const text = yaml.lines.text;
  const first = entries.length ? insertYamlKey(yaml, base, parent, 'k', 'v') : undefined;
  const keyEnd = (parent.key as Node | null)?.range?.[1];
  if (!first || keyEnd === undefined) return undefined;
  const indent = /^[ ]*/.exec(first.newText)![0];
  const newline = text.indexOf('\n', keyEnd);
  // The first key's line start is where insertYamlKey put it; the parent's next line is no later.
  if (newline < 0 || newline + 1 + base > first.start) return undefined;
  const eol = /\r\n/.test(text) ? '\r\n' : '\n';
  const at = newline + 1 + base;
  return { start: at, end: at, newText: entries.map(([k, v]) => `${indent}${k}: ${v}${eol}`).join('') };
}

/**
 * Insert `key: value` into the mapping `map` — a block map, or a flow map such as a DeepSpeed JSON
 * object or a GPT-NeoX `{ ... }` file — before the pair `before` (default: the map's first pair),
 * in the map's own style: on a line of its own at that pair's indentation when the pair starts its
 * line (else inline, flow maps only), the key quoted as that pair's key is, and a `,` after it in a
 * flow map (a pair follows, so JSON stays valid). An empty flow map `{}` gets the sole entry,
 * double-quoted. Undefined where the anchor is not plain text (no range, a block key not at the start
 * of its line, tab indentation in a block map), so nothing is written rather than a broken file.
 */
export function insertMapEntry(
  yaml: YamlSource,
  base: number,
  map: unknown,
  before: Pair<Node, Node> | undefined,
  key: string,
  value: string,
): OffsetReplacement | undefined {
  if (!isMap(map)) return undefined;
  const text = yaml.lines.text;
  const flow = !!(map as { flow?: boolean }).flow;
  const anchor = before ?? (map.items[0] as Pair<Node, Node> | undefined);
  if (!anchor) {
    const open = (map as Node).range?.[0];
    if (!flow || open === undefined || text[open] !== '{') return undefined;
    return { start: open + 1 + base, end: open + 1 + base, newText: `"${key}": ${value}` };
  }
  if (!map.items.includes(anchor)) return undefined;
  const start = (anchor.key as Node | null)?.range?.[0];
  if (start === undefined) return undefined;
  const quote = text[start] === '"' || text[start] === "'" ? text[start]! : '';
  const entry = `${quote}${key}${quote}: ${value}${flow ? ',' : ''}`;
  let lineStart = start;
  while (lineStart > 0 && text[lineStart - 1] !== '\n') lineStart--;
  const indent = text.slice(lineStart, start);
  if (flow ? /^[ \t]*$/.test(indent) : /^[ ]*$/.test(indent)) {
    const eol = /\r\n/.test(text) ? '\r\n' : '\n';
    return { start: lineStart + base, end: lineStart + base, newText: `${indent}${entry}${eol}` };
  }
  return flow ? { start: start + base, end: start + base, newText: `${entry} ` } : undefined;
}

/** A YAML pair's value exactly as written (`True`, `false`, `"4"`), or undefined without one. */
export function yamlRawValue(yaml: YamlSource, pair: Pair<Node, Node>): string | undefined {
  const range = (pair.value as Node | null)?.range;
  return range ? yaml.lines.text.slice(range[0], range[1]) : undefined;
}

/**
 * Halve the micro-batch while doubling the accumulation, and the reverse, each as one edit of both
 * keys, so the samples per optimizer step (and D) stay: halving needs an even micro-batch, doubling
 * an even accumulation. `micro.key` names the edit; values are the ones the file writes.
 */
export function microAndAccumulationEdits(
  yaml: YamlSource,
  base: number,
  micro: { pair: Pair<Node, Node>; key: string; value: number },
  accumulation: { pair: Pair<Node, Node>; key: string; value: number },
): MemoryEdit[] {
  const edits: MemoryEdit[] = [];
  const both = (kind: 'micro-batch-half' | 'micro-batch-double', m: number, g: number) => {
    const rm = rewriteYamlScalar(yaml, base, micro.pair, String(m));
    const rg = rewriteYamlScalar(yaml, base, accumulation.pair, String(g));
    if (rm && rg)
      edits.push({
        kind,
        label: `${micro.key}: ${m}, ${accumulation.key}: ${g}`,
        key: micro.key,
        replacements: [rm, rg].sort((x, y) => x.start - y.start),
      });
  };
  const m = micro.value;
  const g = accumulation.value;
  if (m >= 2 && m % 2 === 0) both('micro-batch-half', m / 2, g * 2);
  if (g >= 2 && g % 2 === 0) both('micro-batch-double', m * 2, g / 2);
  return edits;
}
