/**
 * A framework is one folder, src/core/config/frameworks/<id>/, and one line in the registry
 * (README "How to add a framework"). `FrameworkId`, the labels and the fuzz corpus derive from the
 * registry; this test fails when a registered reader lacks any part of its folder, or a folder is
 * not registered.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { READERS, recognize } from '../../src/core/config/registry';
import { FRAMEWORK_LABELS, frameworkLabel } from '../../src/core/config/labels';
import { NEVER_THROWS } from '../../src/core/config/readerPolicy';
import { FRAMEWORKS_DIR, diskReadFile } from '../helpers';

const IDS = [...new Set(READERS.map((reader) => reader.id))];

function files(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? files(path) : [path];
    });
}

test('every registered framework has its folder: reader.ts, inventory.ts, README.md, <id>.test.ts, fixtures/', () => {
  const problems: string[] = [];
  for (const id of IDS) {
    const dir = join(FRAMEWORKS_DIR, id);
    for (const part of ['reader.ts', 'inventory.ts', 'README.md', `${id}.test.ts`, 'fixtures']) {
      if (!existsSync(join(dir, part))) problems.push(`${id}: no ${part}`);
    }
    const fixtures = join(dir, 'fixtures');
    if (existsSync(fixtures)) {
      const all = files(fixtures);
      // Provenance: a README (or SOURCES/PROVENANCE file) naming where the fixtures come from.
      if (!all.some((path) => /(^|\/)(README|SOURCES|PROVENANCE)\.md$/.test(path))) {
        problems.push(`${id}: fixtures/ has no README naming their sources`);
      }
      if (all.every((path) => /\.md$/.test(path))) problems.push(`${id}: fixtures/ has no config`);
    }
  }
  assert.deepEqual(problems, []);
});

test('every folder under src/core/config/frameworks/ is a registered framework', () => {
  const folders = readdirSync(FRAMEWORKS_DIR).filter((name) =>
    statSync(join(FRAMEWORKS_DIR, name)).isDirectory(),
  );
  assert.deepEqual(
    folders.filter((name) => !IDS.includes(name as (typeof IDS)[number])),
    [],
  );
  // And nothing is left loose beside the folders (a reader file outside its folder).
  assert.deepEqual(
    readdirSync(FRAMEWORKS_DIR).filter((name) => !statSync(join(FRAMEWORKS_DIR, name)).isDirectory()),
    [],
  );
});

test("every reader is exported by its own folder's modules", async () => {
  const problems: string[] = [];
  for (const reader of READERS) {
    const dir = join(FRAMEWORKS_DIR, reader.id);
    const modules = readdirSync(dir).filter((name) => /\.ts$/.test(name) && !/\.test\.ts$/.test(name));
    let found = false;
    for (const name of modules) {
      const exports = (await import(join(dir, name))) as Record<string, unknown>;
      if (Object.values(exports).includes(reader)) found = true;
    }
    if (!found)
      problems.push(`${reader.id} (${reader.label}): not exported from ${relative(FRAMEWORKS_DIR, dir)}/`);
  }
  assert.deepEqual(problems, []);
});

test('every framework has one label, distinct from the others, and the label map is the registry', () => {
  for (const reader of READERS) {
    assert.ok(reader.label.trim().length > 0, `${reader.id} has an empty label`);
    assert.equal(FRAMEWORK_LABELS[reader.id], reader.label, `readers of ${reader.id} disagree on the label`);
  }
  assert.deepEqual(Object.keys(FRAMEWORK_LABELS).sort(), [...IDS].sort());
  const labels = Object.values(FRAMEWORK_LABELS);
  assert.equal(new Set(labels).size, labels.length, 'two frameworks share a label');
  assert.equal(frameworkLabel('megatron'), 'Megatron-LM');
  assert.equal(frameworkLabel('no-such-framework'), 'no-such-framework');
  assert.equal(frameworkLabel('toString'), 'toString');
});

test('every reader is built with neverThrowing (detect and read never throw)', () => {
  for (const reader of READERS)
    assert.equal((reader as unknown as Record<symbol, unknown>)[NEVER_THROWS], true, reader.id);
});

test('every reader carries the inventory of its own framework', () => {
  for (const reader of READERS) {
    assert.ok(reader.inventory, `${reader.id} has no inventory`);
    assert.equal(reader.inventory.framework, reader.id);
  }
});

test("every reader recognizes at least one file of its folder's fixtures", () => {
  const problems: string[] = [];
  for (const reader of READERS) {
    const fixtures = join(FRAMEWORKS_DIR, reader.id, 'fixtures');
    const own = existsSync(fixtures)
      ? files(fixtures).filter((path) => {
          const text = diskReadFile(path);
          return text !== undefined && recognize(text, path) === reader;
        })
      : [];
    if (own.length === 0)
      problems.push(`${reader.id} (${reader.label}): no fixture recognized by this reader`);
  }
  assert.deepEqual(problems, []);
});
