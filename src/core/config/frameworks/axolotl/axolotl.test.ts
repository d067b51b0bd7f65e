import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../../../analyze';
import { axolotlReader } from './reader';
import type { ReadOptions } from '../../../types';
import { HAS_SHARED, SHARED_DIR, diskReadFile, fixturePath } from '../../../../../test/helpers';
import {
  notModelledKeyFailures,
  unlistedUsedKeys,
  type InventoryConfig,
} from '../../../../../test/inventory-support';
import { injectYamlPath, sweepValueLines } from '../../../../../test/framework-sweep-support';

const DIR = fixturePath('axolotl');
const FILES = readdirSync(DIR).filter((name) => /\.ya?ml$/.test(name));

function analyze(text: string, options?: ReadOptions) {
  return analyzeText(
    text,
    { path: 'config.yml', readFile: diskReadFile, ...(options ? { options } : {}) },
    DEFAULT_ANALYSIS_SETTINGS,
  );
}

const fixtureText = (name: string) => readFileSync(join(DIR, name), 'utf8');

/** peft LoRA A+B per adapted linear: rank × (in + out). */
const lora = (rank: number, pairs: [number, number][]) =>
  pairs.reduce((sum, [i, o]) => sum + rank * (i + o), 0);

/** q, k, v, o, gate, up, down of a Llama-style layer. */
const allLinear = (d: number, q: number, kv: number, f: number): [number, number][] => [
  [d, q],
  [d, kv],
  [d, kv],
  [q, d],
  [d, f],
  [d, f],
  [f, d],
];

describe('Axolotl reader', () => {
  it('takes N from the base model and counts the LoRA adapters beside it', () => {
    const cases: [string, number, number, string][] = [
      // NousResearch/Llama-3.2-1B, r16 on all seven linears.
      ['llama-3_lora-1b.yml', 1_235_814_400, 16 * lora(16, allLinear(2048, 2048, 512, 8192)), 'LoRA rank 16'],
      // Meta-Llama-3-8B-Instruct, lora_target_linear, r32.
      [
        'llama-3_instruct-lora-8b.yml',
        8_030_261_248,
        32 * lora(32, allLinear(4096, 4096, 1024, 14336)),
        'LoRA rank 32',
      ],
      // Llama-2-7b, QLoRA r32 all linear.
      [
        'llama-2_qlora.yml',
        6_738_415_616,
        32 * lora(32, allLinear(4096, 4096, 4096, 11008)),
        'QLoRA rank 32',
      ],
      // gemma-2-9b: 16 heads × 256, 8 kv heads, 14336 GeGLU, 42 layers.
      ['gemma2_qlora.yml', 9_241_705_984, 42 * lora(32, allLinear(3584, 4096, 2048, 14336)), 'QLoRA rank 32'],
    ];
    for (const [name, n, trainable, method] of cases) {
      const result = analyze(fixtureText(name));
      assert.equal(result.framework, 'axolotl', name);
      assert.equal(result.analysis?.params?.total, n, name);
      assert.deepEqual(result.analysis?.spec.trainableParams, { count: trainable, method }, name);
      assert.equal(result.analysis?.tokens, null, name);
      assert.ok(
        result.analysis?.missing.some((m) => /dataset size/.test(m)),
        name,
      );
    }
  });

  it('does not count a reward model (a head other than the LM head)', () => {
    const result = analyze(fixtureText('gemma2_reward-model.yaml'));
    assert.equal(result.framework, 'axolotl');
    assert.equal(result.analysis?.params, null);
    assert.ok(result.diagnostics.some((d) => d.message.includes('AutoModelForSequenceClassification')));
  });

  it('says which base model it does not know', () => {
    const text = fixtureText('llama-3_lora-1b.yml').replace(
      'NousResearch/Llama-3.2-1B',
      'example-org/secret-13b',
    );
    const result = analyze(text);
    assert.equal(result.framework, 'axolotl');
    assert.equal(result.analysis?.params, null);
    assert.ok(result.analysis?.paramsMissing.some((m) => m.includes('example-org/secret-13b')));
  });

  it('drops the trainable count when extra modules train, and keeps N', () => {
    const text = injectYamlPath(
      fixtureText('llama-3_lora-1b.yml'),
      'lora_modules_to_save',
      '[embed_tokens, lm_head]',
    );
    const result = analyze(text);
    assert.equal(result.analysis?.params?.total, 1_235_814_400);
    assert.equal(result.analysis?.spec.trainableParams, undefined);
  });

  it('uses a dataset size from the settings for epochs, and never guesses from max_steps', () => {
    const text = fixtureText('llama-3_instruct-lora-8b.yml');
    assert.equal(analyze(text, { datasetTokens: 5_000_000 }).analysis?.tokens, 4 * 5_000_000);
    const stepped = analyze(injectYamlPath(text, 'max_steps', 100), { datasetTokens: 5_000_000 });
    assert.equal(stepped.analysis?.tokens, null);
    assert.ok(stepped.analysis?.missing.some((m) => m.includes('100 steps')));
  });

  it('lists every key it reads in its inventory', () => {
    const configs: InventoryConfig[] = FILES.map((name) => ({
      path: join(DIR, name),
      text: fixtureText(name),
    }));
    assert.deepEqual(unlistedUsedKeys(axolotlReader, configs), []);
  });

  it('makes N or D unknown, naming the key, for every not-modelled key', () => {
    const configs: InventoryConfig[] = ['llama-3_lora-1b.yml', 'gemma2_qlora.yml'].map((name) => ({
      path: join(DIR, name),
      text: fixtureText(name),
    }));
    assert.deepEqual(
      notModelledKeyFailures(axolotlReader, configs, (text, entry, value) =>
        injectYamlPath(text, entry.key, value),
      ),
      [],
    );
  });

  it('survives a hostile value on every line, and an invalid value never gives another number', () => {
    for (const name of FILES) sweepValueLines(join(DIR, name), fixtureText(name), 'axolotl');
  });

  it('recognizes no other framework file', { skip: !HAS_SHARED && 'needs ../shared' }, () => {
    for (const set of ['configs', 'configs-b', 'configs-c'] as const) {
      const manifest = JSON.parse(readFileSync(join(SHARED_DIR, set, 'manifest.json'), 'utf8')) as {
        file: string;
      }[];
      for (const entry of manifest) {
        const path = join(SHARED_DIR, set, entry.file);
        assert.equal(axolotlReader.detect(readFileSync(path, 'utf8'), path) >= 0.5, false, path);
      }
    }
  });
});
