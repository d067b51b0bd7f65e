/**
 * Shared checks of a framework's key inventory (src/core/config/inventory.ts), used by each
 * framework's tests:
 * - every key the reader reads (spec.usedKeys) is listed in the inventory;
 * - for every not-modelled key, writing its `example` value into real configs of the framework makes
 *   N (or D) unknown with a diagnostic that names the key.
 */
import assert from 'node:assert/strict';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../src/core/analyze';
import type { FrameworkReader } from '../src/core/config/reader';
import type { FrameworkInventory, InventoryEntry, InventoryValue } from '../src/core/config/inventory';
import type { ReadContext } from '../src/core/types';
import { diskReadFile } from './helpers';

export interface InventoryConfig {
  path: string;
  text: string;
}

/** The last segment of a dotted key or a flag without its dashes, normalized like the inventory. */
function leaf(inventory: FrameworkInventory, key: string): string {
  const normalized = (inventory.normalize ?? ((k: string) => k))(key);
  const parts = normalized.split('.');
  return parts[parts.length - 1]!.replace(/^-+/, '');
}

/** Keys the reader used in `configs` that its inventory does not list (by leaf name). */
export function unlistedUsedKeys(reader: FrameworkReader, configs: readonly InventoryConfig[]): string[] {
  const inventory = reader.inventory;
  assert.ok(inventory, `${reader.id} has no inventory`);
  const listed = new Set(inventory.entries.map((e) => leaf(inventory, e.key)));
  const unlisted = new Set<string>();
  for (const config of configs) {
    const context: ReadContext = { path: config.path, readFile: diskReadFile };
    const result = analyzeText(config.text, context, DEFAULT_ANALYSIS_SETTINGS);
    for (const used of result.analysis?.spec.usedKeys ?? []) {
      if (used.file) continue; // read from an included file or a table, not written here
      const name = leaf(inventory, used.key);
      if (name && !listed.has(name)) unlisted.add(`${used.key} (${config.path})`);
    }
  }
  return [...unlisted].sort();
}

/**
 * For each not-modelled key of the inventory, write its example value into each config with
 * `inject` and check that the part it affects becomes unknown, naming the key. Returns failures.
 */
export function notModelledKeyFailures(
  reader: FrameworkReader,
  configs: readonly InventoryConfig[],
  inject: (text: string, entry: InventoryEntry, value: InventoryValue) => string,
): string[] {
  const inventory = reader.inventory;
  assert.ok(inventory, `${reader.id} has no inventory`);
  const failures: string[] = [];
  const notModelled = inventory.entries.filter((e) => e.status === 'not-modelled');
  assert.ok(notModelled.length > 0, `${reader.id}: the inventory lists no not-modelled key`);
  for (const entry of notModelled) {
    if (entry.example === undefined) {
      failures.push(`${entry.key}: no example value`);
      continue;
    }
    for (const config of configs) {
      const text = inject(config.text, entry, entry.example);
      const context: ReadContext = { path: config.path, readFile: diskReadFile };
      const result = analyzeText(text, context, DEFAULT_ANALYSIS_SETTINGS);
      const analysis = result.analysis;
      const where = `${entry.key}=${JSON.stringify(entry.example)} in ${config.path}`;
      if (!analysis) {
        failures.push(`${where}: not recognized after the edit`);
        continue;
      }
      if (entry.affects.includes('N') && analysis.params !== null) failures.push(`${where}: N still shown`);
      if (entry.affects.includes('D') && analysis.tokens !== null) failures.push(`${where}: D still shown`);
      const named = result.diagnostics.some(
        (d) => d.code === 'not-modelled-key' && d.message.includes(leaf(inventory, entry.key)),
      );
      if (!named) failures.push(`${where}: no diagnostic names the key`);
    }
  }
  return failures;
}
