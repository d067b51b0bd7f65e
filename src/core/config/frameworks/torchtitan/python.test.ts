/** torchtitan's Python `Trainer.Config` registry: recognized, read statically, no single N. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { torchtitanPyReader } from './python';
import { readRunConfig } from '../../registry';
import { countParams } from '../../../model/params';
import type { RunSpec } from '../../../types';
import { fixture, fixturePath, loadManifest, SHARED_SKIP } from '../../../../../test/helpers';

function readPy(name: string): RunSpec {
  const result = readRunConfig(fixture('torchtitan', name), { path: fixturePath('torchtitan', name) });
  assert.equal(result.kind, 'run-config');
  if (result.kind !== 'run-config') throw new Error('unreachable');
  assert.equal(result.spec.framework, 'torchtitan');
  return result.spec;
}

describe('torchtitan Python config registry', () => {
  it('says the llama3 registry defines several runs and lists each with its N', () => {
    const spec = readPy('llama3_config_registry.py');
    assert.equal(spec.architecture, undefined);
    assert.equal(spec.training.tokens, undefined);
    const missing = spec.paramsMissing!.join(' ');
    assert.match(missing, /defines 14 Trainer\.Config runs/);
    const runs = spec.diagnostics.filter((d) => d.code === 'torchtitan-registry-run').map((d) => d.message);
    assert.equal(runs.length, 14);
    assert.ok(runs.some((m) => m.includes('llama3_8b: 8B, N 8,030,261,248; 1,000 steps × 8,192 tokens')));
    assert.ok(runs.some((m) => m.includes('llama3_405b: 405B, N 405,853,388,800')));
    // Runs built from another run inherit its flavor.
    assert.ok(runs.some((m) => m.includes('llama3_8b_mxfp8: 8B, N 8,030,261,248')));
    assert.ok(
      runs.some((m) => m.includes('llama3_debugmodel_float8_emulate_lora: debugmodel + LoRAConverter')),
    );
  });

  it('lists the runs of a family without a registry flavor table, N unknown', () => {
    const spec = readPy('qwen3_config_registry.py');
    assert.equal(spec.architecture, undefined);
    const runs = spec.diagnostics.filter((d) => d.code === 'torchtitan-registry-run').map((d) => d.message);
    assert.ok(runs.some((m) => m.startsWith('torchtitan run qwen3_30b_a3b: 30B-A3B, N unknown')));
  });

  it('gives the N of a file with one run', () => {
    const text = fixture('torchtitan', 'llama3_config_registry.py');
    const start = text.indexOf('def llama3_70b()');
    const end = text.indexOf('\ndef ', start + 1);
    const single = text.slice(0, text.indexOf('\ndef ')) + '\n' + text.slice(start, end);
    const result = torchtitanPyReader.read(single, {
      path: fixturePath('torchtitan', 'llama3_config_registry.py'),
    });
    assert.equal(result.kind, 'run-config');
    if (result.kind !== 'run-config') return;
    assert.equal(countParams(result.spec.architecture!).total, 70_553_706_496);
    assert.deepEqual(result.spec.training.missing, ['GPU count']);
  });

  it('never throws on a truncated registry and never shows a non-finite N', () => {
    const text = fixture('torchtitan', 'llama3_config_registry.py');
    for (let cut = 1; cut < text.length; cut += 97) {
      const result = readRunConfig(text.slice(0, cut), { path: 'config_registry.py' });
      if (result.kind !== 'run-config') continue;
      if (result.spec.architecture) assert.ok(Number.isFinite(countParams(result.spec.architecture).total));
      assert.ok(result.spec.architecture || result.spec.paramsMissing?.length);
    }
  });

  it('does not claim other Python files', () => {
    assert.equal(torchtitanPyReader.detect('import torch\n\ndef main():\n    pass\n', 'x.py'), 0);
    assert.equal(torchtitanPyReader.detect('def f() -> Trainer.Config:\n    pass\n', 'x.py'), 0);
  });

  it('matches the configs-c manifest entry (torchtitan, no N)', { skip: SHARED_SKIP }, () => {
    const entry = loadManifest('configs-c').find((e) => e.file.includes('torchtitan-py'))!;
    const result = readRunConfig(readFileSync(entry.path, 'utf8'), { path: entry.path });
    assert.equal(result.kind, 'run-config');
    if (result.kind !== 'run-config') return;
    assert.equal(result.spec.framework, 'torchtitan');
    assert.equal(result.spec.architecture, undefined);
    assert.ok(result.spec.paramsMissing!.length > 0);
  });
});
