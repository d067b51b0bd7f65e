import { isAlias, isMap, isScalar, isSeq, type Node, type Pair } from 'yaml';
import type { FieldSource, FrameworkId, RunSpec } from '../types';
import { nodeValue, pairSource, type YamlSource } from './yamlSource';

/**
 * "No silent wrong number, by construction": every framework keeps, as data, the keys (or flags) its
 * own code defines that change N or D, each read from the framework's source at a recorded commit.
 * A key is
 * - `modelled`: the reader turns it into the count (optionally only for `modelledValues`);
 * - `irrelevant`: it cannot change N or D (with why: an init scale, a kernel choice, a buffer);
 * - `not-modelled`: it changes N or D in a way the readers do not model.
 * A file that writes a not-modelled key with a value other than the framework's default (or a
 * modelled key with a value outside `modelledValues`) gets N (or D) unknown and a diagnostic naming
 * the key at its line — never a number.
 */

/** A value as a framework default can be written in a config. */
export type InventoryValue = string | number | boolean | null;

/** One key of a framework's inventory. */
export interface InventoryEntry {
  /**
   * The key as the framework's code spells it: a dotted path for nested YAML (`model.block_type`),
   * the flag for shell launchers (`--num-experts`), the attribute for Python configs.
   */
  key: string;
  /** What the key changes: the parameter count, the training tokens, or both. */
  affects: 'N' | 'D' | 'N,D';
  status: 'modelled' | 'irrelevant' | 'not-modelled';
  /** The framework's default; a not-modelled key written with this value is harmless. */
  default?: InventoryValue;
  /** Further values that mean the same as the default (`null`, `0`, `false` for "off"). */
  alsoHarmless?: readonly InventoryValue[];
  /** For modelled keys: the only values the reader models; any other value makes the result unknown. */
  modelledValues?: readonly InventoryValue[];
  /** Why the key is irrelevant, or what it does that is not modelled. */
  why?: string;
  /**
   * For not-modelled keys: a realistic non-default value (the property test writes it into a real
   * config of the framework and expects N or D to become unknown, naming the key).
   */
  example?: InventoryValue;
}

/** Where an inventory was read from. */
export interface InventorySource {
  repo: string;
  commit: string;
  paths: readonly string[];
}

/** The inventory of one framework. */
export interface FrameworkInventory {
  framework: FrameworkId;
  sources: readonly InventorySource[];
  /** How written keys are compared with entries (GPT-NeoX treats '-' and '_' alike). */
  normalize?: (key: string) => string;
  entries: readonly InventoryEntry[];
}

/** One key written in the analyzed file, with its value and where it is. */
export interface WrittenKey {
  /** Spelled like the inventory's keys (dotted path, flag, attribute). */
  key: string;
  value: unknown;
  source: FieldSource;
}

/** Most keys a file may contribute (a hostile file with millions of keys is cut, not walked). */
const MAX_WRITTEN_KEYS = 50_000;

/** Index of an inventory by normalized key. */
function indexOf(inventory: FrameworkInventory): Map<string, InventoryEntry> {
  const cached = indexes.get(inventory);
  if (cached) return cached;
  const normalize = inventory.normalize ?? ((key: string) => key);
  const index = new Map<string, InventoryEntry>();
  for (const entry of inventory.entries) index.set(normalize(entry.key), entry);
  indexes.set(inventory, index);
  return index;
}
const indexes = new WeakMap<FrameworkInventory, Map<string, InventoryEntry>>();

/** The entry for a written key, if the inventory lists it. */
export function inventoryEntry(inventory: FrameworkInventory, key: string): InventoryEntry | undefined {
  return indexOf(inventory).get((inventory.normalize ?? ((k: string) => k))(key));
}

/** A written value in comparable form: numbers as numbers, booleans, lower-case strings, null. */
function canonical(value: unknown): InventoryValue | undefined {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  const text = value
    .trim()
    .replace(/^(['"])(.*)\1$/, '$2')
    .trim();
  if (text === '' || /^(none|null|~)$/i.test(text)) return null;
  if (/^(true|false)$/i.test(text)) return /^true$/i.test(text);
  const number = Number(text.replace(/_/g, ''));
  if (text !== '' && Number.isFinite(number) && /^[-+]?[\d_.]+(e[-+]?\d+)?$/i.test(text)) return number;
  return text.toLowerCase();
}

function sameValue(written: unknown, expected: InventoryValue): boolean {
  const a = canonical(written);
  const b = canonical(expected);
  if (a === undefined) return false;
  return a === b;
}

/** True when writing `value` for `entry` leaves the count as the reader computes it. */
export function isHarmless(entry: InventoryEntry, value: unknown): boolean {
  if (entry.status === 'irrelevant') return true;
  if (entry.status === 'modelled') {
    if (!entry.modelledValues) return true;
    return entry.modelledValues.some((allowed) => sameValue(value, allowed));
  }
  if (entry.default !== undefined && sameValue(value, entry.default)) return true;
  return (entry.alsoHarmless ?? []).some((allowed) => sameValue(value, allowed));
}

/** A written value for a message: plain numbers and booleans bare, anything else quoted as written. */
function shown(value: unknown): string {
  const text = shownRaw(value);
  return /^-?\d+(\.\d+)?([eE][-+]?\d+)?$|^(true|false)$/.test(text) ? text : `\`${text.replace(/`/g, "'")}\``;
}

function shownRaw(value: unknown): string {
  if (value === undefined || value === null) return '(empty)';
  if (typeof value === 'string') return value.length > 40 ? `${value.slice(0, 40)}…` : value;
  try {
    const json = JSON.stringify(value) ?? String(value);
    return json.length > 40 ? `${json.slice(0, 40)}…` : json;
  } catch {
    return String(value);
  }
}

/**
 * Apply a framework's inventory to a finished spec: every written key that changes N or D in a way
 * the reader does not model makes that part unknown, with a diagnostic at the key.
 */
export function applyInventory(
  spec: RunSpec,
  inventory: FrameworkInventory,
  written: Iterable<WrittenKey>,
): RunSpec {
  const reported = new Set<string>();
  for (const item of written) {
    const entry = inventoryEntry(inventory, item.key);
    if (!entry || isHarmless(entry, item.value)) continue;
    if (reported.has(entry.key)) continue;
    reported.add(entry.key);
    const what = entry.status === 'modelled' ? `this value of \`${entry.key}\`` : `\`${entry.key}\``;
    const reason = entry.why ? ` (${entry.why})` : '';
    const affectsN = entry.affects.includes('N');
    const affectsD = entry.affects.includes('D');
    const parts = [affectsN ? 'parameter count' : '', affectsD ? 'training tokens' : '']
      .filter(Boolean)
      .join(' and ');
    spec.diagnostics.push({
      severity: 'warning',
      code: 'not-modelled-key',
      message: `unknown: ${item.source.key} = ${shown(item.value)} — Scaling Lens does not model ${what}${reason}, which changes the ${parts}; ${affectsN ? 'N' : ''}${affectsN && affectsD ? ' and ' : ''}${affectsD ? 'D' : ''} not shown.`,
      range: item.source.keyRange,
    });
    const missing = `a model of \`${entry.key}\` = ${shown(item.value)}`;
    if (affectsN) {
      delete spec.architecture;
      spec.paramsMissing = [...(spec.paramsMissing ?? []), missing];
    }
    if (affectsD) {
      delete spec.training.tokens;
      delete spec.training.formula;
      spec.training.missing = [...(spec.training.missing ?? []), missing];
    }
  }
  return spec;
}

/**
 * Every mapping key of a YAML document below `root`, as dotted paths relative to it, with plain
 * values (collections as JS values). Sequences are not descended into: list items (evaluators,
 * data sources) are not config keys. Bounded for hostile files.
 */
export function yamlWrittenKeys(yaml: YamlSource, root: readonly string[] = []): WrittenKey[] {
  const out: WrittenKey[] = [];
  let start: unknown = yaml.doc.contents;
  for (const segment of root) {
    if (!isMap(start)) return out;
    const pair = (start.items as Pair<Node, Node>[]).find(
      (item) => isScalar(item.key) && String(item.key.value) === segment,
    );
    if (!pair) return out;
    start = pair.value;
  }
  const walk = (node: unknown, prefix: string, depth: number) => {
    if (!isMap(node) || depth > 12) return;
    for (const pair of node.items as Pair<Node, Node>[]) {
      if (out.length >= MAX_WRITTEN_KEYS) return;
      if (!isScalar(pair.key)) continue;
      const key = prefix + String(pair.key.value);
      const value = pair.value;
      // Aliases are not expanded here: an alias bomb must cost one entry, not its expansion.
      const plain = isScalar(value)
        ? nodeValue(yaml, value)
        : isAlias(value)
          ? '<alias>'
          : value == null
            ? null
            : '<collection>';
      out.push({ key, value: plain, source: pairSource(yaml, pair) });
      if (isMap(value)) walk(value, `${key}.`, depth + 1);
    }
  };
  walk(start, '', 0);
  return out;
}
