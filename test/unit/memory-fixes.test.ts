/**
 * Property test of the memory quick fixes (src/server/memoryActions.ts over
 * src/core/model/memoryEdits.ts) on every config of the examples, the framework fixtures and the
 * ../shared corpora (every framework), on accelerators small enough that many of them are
 * over capacity: for each fix, the LSP edit applied by vscode-languageserver-textdocument gives the
 * text the fix was analysed on; the core re-reads it to exactly the memory its title states (to the
 * 0.1 GiB the title prints), lower than before, with N and D unchanged; only the fix's key changes.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Diagnostic } from 'vscode-languageserver';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS, readContextFor } from '../../src/core/analyze';
import { READERS } from '../../src/core/config/registry';
import { applyOffsetEdits, planMemoryEdits } from '../../src/core/model/memoryEdits';
import { memoryCodeActions, memoryFixes, MEMORY_FIX_CODES } from '../../src/server/memoryActions';
import { formatGiB } from '../../src/server/lenses';
import type { DocumentResult } from '../../src/server/model';
import { diskReadFile, fixtureDirs, fixturePath, HAS_SHARED, REPO_ROOT, SHARED_DIR } from '../helpers';

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listFiles(path));
    else out.push(path);
  }
  return out;
}

function corpus(): string[] {
  const paths = listFiles(join(REPO_ROOT, 'examples'));
  for (const { dir } of fixtureDirs()) paths.push(...listFiles(dir));
  if (HAS_SHARED)
    for (const name of readdirSync(SHARED_DIR).sort())
      if (/^configs/.test(name)) paths.push(...listFiles(join(SHARED_DIR, name)));
  // Every framework's files, whatever the format: a framework whose layout has no edits simply
  // offers no fix, and one that gains edits is held to the same property without touching this test.
  return paths.filter((p) => !/(manifest\.json|README\.md|\.test\.ts)$/.test(p));
}

const ACCELERATORS = ['TPU-v5e', 'A100-40GB', 'H100'];

interface Case {
  label: string;
  path: string;
  text: string;
  gpu: string;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const path of corpus()) {
    const text = diskReadFile(path);
    if (text === undefined) continue;
    for (const gpu of ACCELERATORS)
      out.push({ label: `${path.replace(REPO_ROOT, '.')} on ${gpu}`, path, text, gpu });
  }
  return out;
}

const gibInTitle = (title: string) => /→ ≈ ([\d.]+)/.exec(title)?.[1];

test('every memory fix re-reads to the memory in its title, lower than before, with N and D unchanged', () => {
  let files = 0;
  let fixesChecked = 0;
  let actionsChecked = 0;
  const kinds = new Set<string>();
  const frameworksWithFixes = new Set<string>();
  const frameworksOverCapacity = new Set<string>();
  for (const c of cases()) {
    const settings = { ...DEFAULT_ANALYSIS_SETTINGS, gpu: c.gpu, gpuFromFile: false };
    const context = readContextFor({ path: c.path, readFile: diskReadFile }, settings);
    const a = analyzeText(c.text, context, settings).analysis;
    if (!a?.memory) continue;
    files++;
    // planMemoryEdits swallows a planner's exception (a fix must never break the editor); called
    // directly here, a throwing planner fails the test instead of silently offering nothing.
    const planner = READERS.find((r) => r.id === a.framework)?.layout?.edits;
    if (planner) assert.doesNotThrow(() => planner(c.text, a.memory!.layout, context), c.label);
    const fixes = memoryFixes(c.text, a, context, settings);
    for (const fix of fixes) {
      fixesChecked++;
      kinds.add(fix.edit.kind);
      frameworksWithFixes.add(a.framework);
      const again = analyzeText(applyOffsetEdits(c.text, fix.edit.replacements), context, settings).analysis;
      assert.ok(again?.memory, `${c.label}: ${fix.title} — the edited file has a memory figure`);
      assert.equal(gibInTitle(fix.title), formatGiB(again.memory.perGpuBytes), `${c.label}: ${fix.title}`);
      assert.ok(again.memory.perGpuBytes < a.memory.perGpuBytes, `${c.label}: ${fix.title} lowers memory`);
      assert.equal(again.params?.total, a.params?.total, `${c.label}: ${fix.title} keeps N`);
      assert.equal(again.params?.active, a.params?.active, `${c.label}: ${fix.title} keeps active N`);
      assert.equal(again.tokens, a.tokens, `${c.label}: ${fix.title} keeps D`);
      assert.ok(fix.title.includes(fix.edit.label), `${c.label}: the title names the key as written`);
    }
    // The LSP actions on the diagnostic: the same fixes, as edits a client applies.
    const diagnostics: Diagnostic[] = a.diagnostics
      .filter((d) => MEMORY_FIX_CODES.has(d.code))
      .map((d) => ({
        range: d.range ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
        message: d.message,
        code: d.code,
      }));
    if (!diagnostics.length) continue;
    frameworksOverCapacity.add(a.framework);
    const result = { analysis: a, analysisSettings: settings } as unknown as DocumentResult;
    const actions = memoryCodeActions(result, {
      uri: 'file:///x',
      version: 1,
      range: diagnostics[0]!.range,
      diagnostics,
      documentChanges: false,
      text: c.text,
      readContext: context,
    });
    assert.deepEqual(
      actions.map((x) => x.title),
      fixes.map((f) => f.title),
    );
    for (const [i, action] of actions.entries()) {
      actionsChecked++;
      const edits = action.edit!.changes!['file:///x']!;
      const applied = TextDocument.applyEdits(TextDocument.create('file:///x', 'x', 1, c.text), edits);
      assert.equal(
        applied,
        fixes[i]!.text,
        `${c.label}: ${action.title} — the LSP edit gives the analysed text`,
      );
    }
  }
  console.log(
    `memory fixes: ${files} file/accelerator pairs with memory, ${fixesChecked} fixes, ${actionsChecked} LSP actions; kinds ${[...kinds].sort().join(', ')}`,
  );
  assert.ok(files >= 6, `files with a memory estimate: ${files}`);
  assert.ok(actionsChecked > 0, 'some file is over capacity and gets fixes');
  for (const kind of ['shard-up', 'recompute-full', 'micro-batch-half'])
    assert.ok(kinds.has(kind), `some file gets a ${kind} fix`);
  // A framework that declares edits and has an over-capacity file in the corpus is exercised there,
  // not only in its own folder's tests. (OLMo-core's real scripts all compile, so their memory is
  // unknown and none is over capacity.)
  console.log(
    `frameworks over capacity: ${[...frameworksOverCapacity].sort().join(', ')}; with fixes: ${[...frameworksWithFixes].sort().join(', ')}`,
  );
  for (const reader of READERS)
    if (reader.layout?.edits && frameworksOverCapacity.has(reader.id))
      assert.ok(frameworksWithFixes.has(reader.id), `some over-capacity ${reader.id} file gets a memory fix`);
});

interface MeasuredPoint {
  id: string;
  model: string;
  gpus: number;
  dp: number;
  tp: number;
  pp: number;
  cp: number;
  microBatch: number;
  seqLen: number;
  recompute: string;
}

/**
 * The memory fixtures' measured torchtitan runs (test/fixtures/memory/measured.json) written as the
 * TOML job configs that state them (llama3 flavors; the GPU count as a `# scaling-lens:` directive,
 * global_batch_size stated so a micro-batch fix can keep D).
 */
function measuredConfigs(): { id: string; text: string }[] {
  const fx = JSON.parse(readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'memory', 'measured.json'), 'utf8'));
  const flavor: Record<string, string> = { 'llama3-8b': '8B', 'llama3-70b': '70B', 'llama3-405b': '405B' };
  return (fx.points as MeasuredPoint[])
    .filter((p) => flavor[p.model] && p.pp === 1)
    .map((p) => ({
      id: p.id,
      text: [
        `# scaling-lens: gpus=${p.gpus}`,
        '[model]',
        'name = "llama3"',
        `flavor = "${flavor[p.model]}"`,
        '',
        '[training]',
        `local_batch_size = ${p.microBatch}`,
        `global_batch_size = ${p.microBatch * p.dp * 2}`,
        `seq_len = ${p.seqLen}`,
        'steps = 1000',
        '',
        '[parallelism]',
        'data_parallel_shard_degree = -1',
        `tensor_parallel_degree = ${p.tp}`,
        `context_parallel_degree = ${p.cp}`,
        '',
        '[activation_checkpoint]',
        `mode = "${p.recompute}"`,
        ...(p.recompute === 'selective' ? ['selective_ac_option = "op"'] : []),
        '',
      ].join('\n'),
    }));
}

test('the measured torchtitan runs as TOML: every fix re-reads to its title, lower, with N and D unchanged', () => {
  let checked = 0;
  const kinds = new Set<string>();
  for (const { id, text } of measuredConfigs()) {
    for (const gpu of ['A100-40GB', 'H100']) {
      const settings = { ...DEFAULT_ANALYSIS_SETTINGS, gpu, gpuFromFile: false };
      const a = analyzeText(text, {}, settings).analysis;
      assert.ok(a?.memory, `${id}: memory estimated (${a?.diagnostics.map((d) => d.message).join('; ')})`);
      for (const fix of memoryFixes(text, a, {}, settings)) {
        checked++;
        kinds.add(fix.edit.kind);
        const again = analyzeText(applyOffsetEdits(text, fix.edit.replacements), {}, settings).analysis!;
        assert.equal(gibInTitle(fix.title), formatGiB(again.memory!.perGpuBytes), `${id}: ${fix.title}`);
        assert.ok(again.memory!.perGpuBytes < a.memory.perGpuBytes, `${id}: ${fix.title}`);
        assert.equal(again.params?.total, a.params?.total);
        assert.equal(again.tokens, a.tokens, `${id}: ${fix.title} keeps D`);
      }
    }
  }
  console.log(`measured configs: ${checked} fixes; kinds ${[...kinds].sort().join(', ')}`);
  assert.ok(kinds.has('micro-batch-half') && kinds.has('recompute-full'), [...kinds].join());
});

test('a Megatron script without --global-batch-size gets no micro-batch fix (it would change D)', () => {
  const text =
    'torchrun pretrain_gpt.py --num-layers 24 --hidden-size 2048 --num-attention-heads 16 --seq-length 2048 \\\n' +
    '  --max-position-embeddings 2048 --micro-batch-size 8 --train-iters 1000 --bf16\n';
  const settings = { ...DEFAULT_ANALYSIS_SETTINGS, gpu: 'A100-40GB', gpus: 8 };
  const a = analyzeText(text, {}, settings).analysis!;
  assert.ok(a.memory);
  const kinds = planMemoryEdits('megatron', text, a.memory.layout).map((e) => e.kind);
  assert.ok(!kinds.includes('micro-batch-half'), kinds.join());
  assert.ok(kinds.includes('recompute-full'));
  // With the global batch stated, halving the micro-batch is offered and keeps D.
  const withGlobal = text.replace('--train-iters', '--global-batch-size 64 --train-iters');
  const b = analyzeText(withGlobal, {}, settings).analysis!;
  const fix = memoryFixes(withGlobal, b, {}, settings).find((f) => f.edit.kind === 'micro-batch-half')!;
  assert.ok(fix, 'micro-batch fix offered');
  assert.match(fix.text, /--micro-batch-size 4 /);
  assert.equal(fix.analysis.tokens, b.tokens);
});

test('Megatron: --recompute-activations wins over --recompute-granularity (arguments.py validate_args), and the full fix replaces it with the required companions', () => {
  const base =
    'torchrun pretrain_gpt.py --num-layers 24 --hidden-size 2048 --num-attention-heads 16 --seq-length 2048 \\\n' +
    '  --max-position-embeddings 2048 --micro-batch-size 8 --global-batch-size 512 --train-iters 1000 --bf16 \\\n' +
    '  --recompute-activations --use-flash-attn\n';
  const settings = { ...DEFAULT_ANALYSIS_SETTINGS, gpu: 'A100-40GB', gpus: 8 };
  const a = analyzeText(base, {}, settings).analysis!;
  assert.equal(a.memory!.layout.recompute, 'selective');
  const full = planMemoryEdits('megatron', base, a.memory!.layout).find((e) => e.kind === 'recompute-full')!;
  const edited = applyOffsetEdits(base, full.replacements);
  assert.match(
    edited,
    /--recompute-granularity full --recompute-method uniform --recompute-num-layers 1 --use-flash-attn/,
  );
  assert.doesNotMatch(edited, /--recompute-activations/);
  assert.equal(analyzeText(edited, {}, settings).analysis!.memory!.layout.recompute, 'full');
});

test('torchtitan: a full-AC fix inserts mode into an existing [activation_checkpoint] table, or adds the table', () => {
  const toml = (ac: string) =>
    `[model]\nname = "llama3"\nflavor = "8B"\n\n[training]\nlocal_batch_size = 4\nseq_len = 8192\nsteps = 100\n\n[parallelism]\ndata_parallel_shard_degree = -1\n${ac}`;
  const settings = { ...DEFAULT_ANALYSIS_SETTINGS, gpu: 'A100-40GB', gpus: 8 };
  for (const ac of ['', '\n[activation_checkpoint]  # AC\nselective_ac_option = "op"\n']) {
    const text = toml(ac);
    const a = analyzeText(text, {}, settings).analysis!;
    assert.ok(a.memory, 'memory estimated');
    const fix = memoryFixes(text, a, {}, settings).find((f) => f.edit.kind === 'recompute-full')!;
    assert.ok(fix, `full AC offered (${JSON.stringify(ac)})`);
    assert.equal(fix.analysis.memory!.layout.recompute, 'full');
    assert.equal((fix.text.match(/\[activation_checkpoint\]/g) ?? []).length, 1);
    // A pure insertion: every byte of the file stays.
    assert.ok(fix.edit.replacements.every((r) => r.start === r.end));
  }
});

test('Megatron-DeepSpeed: --zero-stage ${zero_stage} with --deepspeed is the ZeRO stage; the fix raises the variable the DeepSpeed JSON also uses', () => {
  const path = fixturePath('megatron', 'deepspeed', 'ds_pretrain_gpt_1.3B.sh');
  const text = diskReadFile(path)!;
  assert.match(text, /^zero_stage=1$/m);
  const settings = { ...DEFAULT_ANALYSIS_SETTINGS, gpu: 'A100-40GB' };
  const context = { path, readFile: diskReadFile };
  const a = analyzeText(text, context, settings).analysis!;
  assert.equal(a.memory!.layout.sharding, 'zero1');
  const fix = memoryFixes(text, a, context, settings).find((f) => f.edit.kind === 'shard-up')!;
  assert.ok(fix, 'a ZeRO fix');
  assert.equal(fix.text, text.replace(/^zero_stage=1$/m, 'zero_stage=2'));
  assert.equal(fix.analysis.memory!.layout.sharding, 'zero2');
  // A literal --zero-stage (the JSON elsewhere would not follow) is not edited.
  const literal = text.replace('--zero-stage ${zero_stage}', '--zero-stage 1');
  const b = analyzeText(literal, context, settings).analysis!;
  assert.ok(!memoryFixes(literal, b, context, settings).some((f) => f.edit.kind === 'shard-up'));
});
