/**
 * Shared checks of the framework layout tests (src/core/config/frameworks/<id>/layout.test.ts):
 * the memory-fix property (each offered fix re-reads to the memory its title states, lower than
 * before, with N and D unchanged; the edit changes only text at its key) over a framework's files.
 */
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS, readContextFor, type Analysis } from '../src/core/analyze';
import { applyOffsetEdits, type MemoryEdit } from '../src/core/model/memoryEdits';
import { memoryFixes } from '../src/server/memoryActions';
import { formatGiB } from '../src/server/lenses';
import type { FrameworkId } from '../src/core/types';
import { diskReadFile, FRAMEWORKS_DIR, HAS_SHARED, SHARED_DIR } from './helpers';

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listFiles(path));
    else out.push(path);
  }
  return out;
}

/** A framework's fixtures and the shared corpora's files under a folder named like it. */
export function frameworkFiles(id: FrameworkId, corpusFolder: RegExp, ext: RegExp): string[] {
  const paths = listFiles(join(FRAMEWORKS_DIR, id, 'fixtures'));
  if (HAS_SHARED)
    for (const name of readdirSync(SHARED_DIR).sort())
      if (/^configs/.test(name))
        for (const sub of readdirSync(join(SHARED_DIR, name)))
          if (corpusFolder.test(sub)) paths.push(...listFiles(join(SHARED_DIR, name, sub)));
  return paths.filter((p) => ext.test(p));
}

const gibInTitle = (title: string) => /→ ≈ ([\d.]+)/.exec(title)?.[1];

/**
 * Every memory fix of every file on small and large accelerators and GPU counts: re-read, the
 * edited text has exactly the memory the title says, lower than before, with N and D unchanged.
 * Returns what was checked, for the caller's own assertions.
 */
export function checkMemoryFixes(
  framework: FrameworkId,
  paths: readonly string[],
  gpusList: readonly number[] = [8],
): { files: number; fixes: number; kinds: Set<string> } {
  let files = 0;
  let fixes = 0;
  const kinds = new Set<string>();
  for (const path of paths) {
    const text = diskReadFile(path);
    if (text === undefined) continue;
    for (const gpu of ['TPU-v5e', 'A100-40GB', 'H100'])
      for (const gpus of gpusList) {
        const settings = {
          ...DEFAULT_ANALYSIS_SETTINGS,
          gpu,
          gpus,
          useGpusForMissingTokens: true,
          gpuFromFile: false,
        };
        const context = readContextFor({ path, readFile: diskReadFile }, settings);
        const r = analyzeText(text, context, settings);
        if (r.framework !== framework || !r.analysis?.memory) continue;
        const a = r.analysis;
        files++;
        for (const fix of memoryFixes(text, a, context, settings)) {
          fixes++;
          kinds.add(fix.edit.kind);
          const label = `${path} on ${gpus}× ${gpu}: ${fix.title}`;
          const again: Analysis | null = analyzeText(
            applyOffsetEdits(text, fix.edit.replacements),
            context,
            settings,
          ).analysis;
          assert.ok(again?.memory, `${label} — the edited file has a memory figure`);
          assert.equal(gibInTitle(fix.title), formatGiB(again.memory.perGpuBytes), label);
          assert.ok(again.memory.perGpuBytes < a.memory!.perGpuBytes, `${label} lowers memory`);
          assert.equal(again.params?.total, a.params?.total, `${label} keeps N`);
          assert.equal(again.tokens, a.tokens, `${label} keeps D`);
          assert.ok(fix.title.includes(fix.edit.label), `${label}: the title names the key as written`);
        }
      }
  }
  return { files, fixes, kinds };
}

/**
 * The edit of a kind, applied; the edited file re-analysed with N and D unchanged and less memory.
 * `analyse` and `editsOf` are the framework test's own (its settings and path).
 */
export function applyEditOfKind(
  text: string,
  kind: MemoryEdit['kind'],
  analyse: (text: string) => Analysis,
  editsOf: (text: string) => MemoryEdit[],
): { edit: MemoryEdit; text: string; after: Analysis } {
  const before = analyse(text);
  const edits = editsOf(text);
  const edit = edits.find((e) => e.kind === kind);
  assert.ok(edit, `a ${kind} edit (got ${edits.map((e) => e.kind).join(', ')})`);
  const edited = applyOffsetEdits(text, edit.replacements);
  const after = analyse(edited);
  assert.equal(after.params?.total, before.params?.total, 'N unchanged');
  assert.equal(after.tokens, before.tokens, 'D unchanged');
  assert.ok(after.memory!.perGpuBytes < before.memory!.perGpuBytes, 'memory lower');
  return { edit, text: edited, after };
}
