/**
 * torchtitan flavor tables: the generated module matches a fresh run of the generator over the
 * vendored upstream sources, and each family's builder reproduces published parameter counts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { titanArchitecture, TITAN_ALIASES, TITAN_FLAVORS, type TitanEra } from './models';
import { countParams } from '../../../model/params';
import { REPO_ROOT } from '../../../../../test/helpers';

describe('torchtitan flavor generator', () => {
  it('reproduces the checked-in table from the vendored sources (no diff)', async () => {
    // @ts-expect-error: a plain .mjs script without type declarations
    const generator = await import('../../../../../scripts/gen-torchtitan-flavors.mjs');
    const fresh: string = await generator.renderTorchtitanFlavors();
    const checkedIn = readFileSync(
      join(REPO_ROOT, 'src/core/config/frameworks/torchtitan/flavors.ts'),
      'utf8',
    );
    assert.equal(fresh, checkedIn);
  });

  it('reads every language model of _supported_models and their flavors', () => {
    assert.deepEqual(Object.keys(TITAN_FLAVORS['2026-02']).sort(), [
      'deepseek_v3',
      'gpt_oss',
      'llama3',
      'llama4',
      'qwen3',
    ]);
    // Names that reuse a table with the same model class (llama3_ft, SimpleFSDP experiments).
    assert.deepEqual(Object.keys(TITAN_ALIASES['2026-02']).sort(), [
      'autoparallel.llama3',
      'compiler_toolkit.deepseek_v3',
      'compiler_toolkit.llama3',
      'llama3_ft',
      'simple_fsdp.deepseek_v3',
      'simple_fsdp.llama3',
    ]);
    assert.deepEqual(Object.keys(TITAN_FLAVORS['2024-12']).sort(), ['llama2', 'llama3']);
    // MoEArgs defaults merged under the flavor's own arguments (llama4 writes only num_experts).
    const scout = TITAN_FLAVORS['2026-02'].llama4!.flavors['17bx16e']!;
    assert.deepEqual(
      [
        (scout.moe_args as Record<string, unknown>).num_shared_experts,
        (scout.moe_args as Record<string, unknown>).top_k,
      ],
      [1, 1],
    );
  });
});

/** [era, model, flavor, total, active]: published counts of the released checkpoints. */
const PUBLISHED: readonly [TitanEra, string, string, number, number][] = [
  // DeepSeek-V2-Lite (HF deepseek-ai/DeepSeek-V2-Lite safetensors), configs-c manifest.
  ['2026-02', 'deepseek_v3', '16B', 15_706_484_224, 2_661_150_208],
  // DeepSeek-V2 236B; DeepSeek-V3 without its MTP module (671B total, 37B activated).
  ['2026-02', 'deepseek_v3', '236B', 235_741_434_880, 21_375_800_320],
  ['2026-02', 'deepseek_v3', '671B', 671_026_404_352, 37_552_282_624],
  // openai/gpt-oss-20b and -120b safetensors (20.91B / 116.83B).
  ['2026-02', 'gpt_oss', '20b', 20_914_757_184, 4_187_440_704],
  ['2026-02', 'gpt_oss', '120b', 116_829_156_672, 5_711_982_912],
  // Qwen3 model cards: 30.5B/3.3B and 235B/22B.
  ['2026-02', 'qwen3', '30B-A3B', 30_532_122_624, 3_353_032_704],
  ['2026-02', 'qwen3', '235B-A22B', 235_093_634_560, 22_190_763_520],
  ['2026-02', 'qwen3', '0.6B', 596_049_920, 596_049_920],
  // Llama 3.1 8B / 70B / 405B; Llama 3.2 1B / 3B (tied) in the Python registry era.
  ['2026-02', 'llama3', '8B', 8_030_261_248, 8_030_261_248],
  ['2026-02', 'llama3', '70B', 70_553_706_496, 70_553_706_496],
  ['2026-02', 'llama3', '405B', 405_853_388_800, 405_853_388_800],
  ['registry', 'llama3', '1B', 1_235_814_400, 1_235_814_400],
  ['registry', 'llama3', '3B', 3_212_749_824, 3_212_749_824],
  ['registry', 'llama3', '8B', 8_030_261_248, 8_030_261_248],
  // Llama-2 7B / 13B / 70B (Dec 2024, vocab 32000 from the tokenizer).
  ['2024-12', 'llama2', '7B', 6_738_415_616, 6_738_415_616],
  ['2024-12', 'llama2', '13B', 13_015_864_320, 13_015_864_320],
  ['2024-12', 'llama2', '70B', 68_976_648_192, 68_976_648_192],
];

describe('torchtitan flavors', () => {
  for (const [era, model, flavor, total, active] of PUBLISHED) {
    it(`counts ${model} ${flavor} (${era}) exactly`, () => {
      const built = titanArchitecture(era, model, flavor);
      assert.ok(!('unknown' in built), JSON.stringify(built));
      if ('unknown' in built) return;
      const counts = countParams(built.architecture);
      assert.equal(counts.total, total);
      assert.equal(counts.active, active);
    });
  }

  it('builds every flavor of every table with finite counts', () => {
    for (const era of Object.keys(TITAN_FLAVORS) as TitanEra[]) {
      for (const [model, table] of Object.entries(TITAN_FLAVORS[era])) {
        for (const flavor of Object.keys(table.flavors)) {
          const built = titanArchitecture(era, model, flavor);
          assert.ok(!('unknown' in built), `${era} ${model} ${flavor}`);
          if ('unknown' in built) continue;
          assert.ok(Number.isSafeInteger(countParams(built.architecture).total), `${era} ${model} ${flavor}`);
        }
      }
    }
  });

  it('counts an experiment name through the table it imports', () => {
    const built = titanArchitecture('2026-02', 'simple_fsdp.deepseek_v3', '16B');
    assert.ok(!('unknown' in built));
    if ('unknown' in built) return;
    assert.equal(countParams(built.architecture).total, 15_706_484_224);
    assert.ok('unknown' in titanArchitecture('2026-02', 'vlm', 'debugmodel'));
  });

  it('ignores attention-backend suffixes but not unknown flavors', () => {
    const flex = titanArchitecture('2026-02', 'deepseek_v3', '16B_flex');
    assert.ok(!('unknown' in flex));
    assert.ok('unknown' in titanArchitecture('2026-02', 'deepseek_v3', '17B'));
    assert.ok('unknown' in titanArchitecture('2026-02', 'flux', 'flux-dev'));
  });
});
