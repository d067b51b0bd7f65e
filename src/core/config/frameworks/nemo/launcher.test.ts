import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../../../analyze';
import { diskReadFile, fixturePath } from '../../../../../test/helpers';
import { injectYamlPath } from '../../../../../test/framework-sweep-support';

/**
 * Idioms of NVIDIA/NeMo-Framework-Launcher@26e42fa9 launcher_scripts/conf/training/**.yaml (NeMo 1.x
 * configs with published sizes): `ffn_hidden_size: ${multiply:4, ${.hidden_size}}` (14 of the gpt3
 * files, nemotron_340b) and `${training.model.encoder_seq_length}` (the launcher composes the file
 * under `training:`; 24 uses, e.g. gpt3/*_16k.yaml model.data.seq_length). Both left N or D unknown.
 */

const GPT = join(fixturePath('nemo'), 'megatron_gpt_config.yaml');
/** GPT-2 124M shape with a 512-row position table and vocab 50304 (nemo.test.ts). */
const GPT_126M = 124_082_688;
const analyze = (text: string) =>
  analyzeText(text, { path: 'conf.yaml', readFile: diskReadFile }, DEFAULT_ANALYSIS_SETTINGS);

describe('NeMo launcher idioms', () => {
  it('evaluates ${multiply:4, ${.hidden_size}} (NeMo registers multiply = x * y)', () => {
    const text = injectYamlPath(
      readFileSync(GPT, 'utf8'),
      'model.ffn_hidden_size',
      '${multiply:4, ${.hidden_size}}',
    );
    // 4 × 768 = 3072, the fixture's own ffn_hidden_size
    assert.equal(analyze(text).analysis?.params?.total, GPT_126M);
  });

  it('evaluates ${multiply:2, ${.hidden_size}} to a narrower FFN', () => {
    const text = injectYamlPath(
      readFileSync(GPT, 'utf8'),
      'model.ffn_hidden_size',
      '${multiply:2, ${.hidden_size}}',
    );
    // ffn 1536 instead of 3072, 12 layers, fc1/fc2 with bias: per layer 2·768·(1536−3072) + (1536−3072)
    assert.equal(analyze(text).analysis?.params?.total, GPT_126M + 12 * (2 * 768 * -1536 - 1536));
  });

  it('leaves a multiply of a non-integer unresolved (no number)', () => {
    const text = injectYamlPath(
      readFileSync(GPT, 'utf8'),
      'model.ffn_hidden_size',
      '${multiply:2.5, ${.hidden_size}}',
    );
    assert.equal(analyze(text).analysis?.params, null);
  });

  it('reads ${training.model.encoder_seq_length} as this file’s model.encoder_seq_length', () => {
    const text = injectYamlPath(
      readFileSync(GPT, 'utf8'),
      'model.data.seq_length',
      '${training.model.encoder_seq_length}',
    );
    // trainer.max_steps 100000 × global_batch_size 8 × 512 (encoder_seq_length)
    assert.equal(analyze(text).analysis?.tokens, 100_000 * 8 * 512);
  });
});
