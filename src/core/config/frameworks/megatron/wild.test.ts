import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countParams } from '../../../model/params';
import type { RunSpec } from '../../../types';
import { megatronReader } from './reader';
import { readRunConfig } from '../../registry';
import { slimeMoeLayerList } from '../../../../../test/shell-idioms';

/**
 * Third-party launch scripts (alibaba/Pai-Megatron-Patch@a098ca5a examples/*\/run_mcore_*.sh and
 * toolkits/*, bigscience-workshop/bigscience@9e64edec experiments/gpt2-meg/*.slurm,
 * THUDM/slime@624b824a scripts/): model sizes picked by `if`/`elif` or `case` over a variable, often
 * a positional argument (`MODEL_SIZE=$2`), and checkpoint converters that pass placeholder batch and
 * iteration flags. Bash runs one branch; when the script does not decide which, a value set
 * differently by the branches is unknown, never the last branch's.
 */
const specOf = (text: string): RunSpec => {
  const result = megatronReader.read(text, {});
  assert.equal(result.kind, 'run-config');
  return (result as { spec: RunSpec }).spec;
};
const messages = (spec: RunSpec) => spec.diagnostics.map((d) => d.message).join('\n');
const launch =
  'torchrun pretrain_gpt.py --num-layers $NUM_LAYERS --hidden-size $HIDDEN_SIZE --num-attention-heads 32 ' +
  '--seq-length 2048 --max-position-embeddings 2048 --micro-batch-size 1 --global-batch-size 8 --train-iters 100 $EXTRA\n';
/**
 * GPT-2 style model (pretrain_gpt.py defaults: learned positions, LayerNorm with bias, 4h GELU MLP,
 * tied embeddings, GPT-2 BPE 50257 padded to 128 → 50304): 12h² + 13h per layer, V·h + P·h + 2h.
 */
const gpt = (layers: number, h: number) => layers * (12 * h * h + 13 * h) + 50304 * h + 2048 * h + 2 * h;

describe('Megatron scripts from third-party repos: branches the script does not decide', () => {
  it('if/elif over a positional MODEL_SIZE: N unknown naming the variable (was the last branch, 13B)', () => {
    const spec = specOf(
      [
        'MODEL_SIZE=$2',
        'if [ $MODEL_SIZE = 7B ]; then',
        'NUM_LAYERS=32',
        'HIDDEN_SIZE=4096',
        'elif [ $MODEL_SIZE = 13B ]; then',
        'NUM_LAYERS=40',
        'HIDDEN_SIZE=5120',
        'fi',
        launch,
      ].join('\n'),
    );
    assert.equal(spec.architecture, undefined);
    assert.match(messages(spec), /unknown: `--num-layers \$NUM_LAYERS` — `NUM_LAYERS` is set differently/);
    assert.match(messages(spec), /if \[ \$MODEL_SIZE = 7B \]/);
    // The training length does not depend on the branch: 100 × 8 × 2048.
    assert.equal(spec.training.tokens, 100 * 8 * 2048);
  });

  it('case over a known MODEL_SIZE takes the matching pattern (was the last branch: 60 layers)', () => {
    const spec = specOf(
      [
        'MODEL_SIZE=13B',
        'case $MODEL_SIZE in',
        '  7B)',
        '    NUM_LAYERS=32',
        '    HIDDEN_SIZE=4096',
        '    ;;',
        '  13B|13b) NUM_LAYERS=40; HIDDEN_SIZE=5120 ;;',
        '  30B|65B) NUM_LAYERS=60; HIDDEN_SIZE=6656 ;;',
        '  *) echo "unknown size"; exit 1 ;;',
        'esac',
        launch,
      ].join('\n'),
    );
    assert.equal(countParams(spec.architecture!).total, gpt(40, 5120)); // 12,853,626,880
  });

  it('case with glob patterns and an unknown subject: a glob match decides, an unknown subject does not', () => {
    const body = (subject: string) =>
      [
        `MODEL_SIZE=${subject}`,
        'case "$MODEL_SIZE" in',
        '  7*) NUM_LAYERS=32; HIDDEN_SIZE=4096 ;;',
        '  13*) NUM_LAYERS=40; HIDDEN_SIZE=5120 ;;',
        'esac',
        launch,
      ].join('\n');
    assert.equal(countParams(specOf(body('7b-chat')).architecture!).total, gpt(32, 4096));
    const unknown = specOf(body('${1}'));
    assert.equal(unknown.architecture, undefined);
    assert.match(
      messages(unknown),
      /`NUM_LAYERS` is set differently in the branches of `case "\$MODEL_SIZE" in`/,
    );
  });

  it('a switch set in an undecided branch makes N unknown naming the flag (was counted as SwiGLU)', () => {
    const spec = specOf(
      [
        'NUM_LAYERS=2',
        'HIDDEN_SIZE=256',
        'USE_SWIGLU=$1',
        'EXTRA=""',
        'if [ "$USE_SWIGLU" = 1 ]; then',
        '  EXTRA="--swiglu"',
        'fi',
        launch,
      ].join('\n'),
    );
    assert.equal(spec.architecture, undefined);
    assert.match(messages(spec), /unknown: --swiglu — it is written in only some of the possible branches/);
  });

  it('values every branch agrees on stay known; an exiting branch does not reach the launch', () => {
    const spec = specOf(
      [
        'SIZE=$1',
        'if [ "$SIZE" = small ]; then NUM_LAYERS=2; HIDDEN_SIZE=256; EXTRA="--swiglu"',
        'elif [ "$SIZE" = tiny ]; then NUM_LAYERS=2; HIDDEN_SIZE=256; EXTRA="--swiglu"',
        'else echo "bad size"; exit 1',
        'fi',
        launch,
      ].join('\n'),
    );
    // SwiGLU, h = 256: ffn = int(4h·2/3 / 64)·64 = 640 (megatron/training/arguments.py). Per layer with
    // biases: QKV 3h² + 3h, proj h² + h, two LayerNorms 4h, fc1 h·2·640 + 2·640, fc2 640·h + h
    // = 757,248; ×2 layers + tied 50304·h + positions 2048·h + final LayerNorm 2h.
    const perLayer = 4 * 256 * 256 + 4 * 256 + 4 * 256 + 2 * 640 * 256 + 2 * 640 + 640 * 256 + 256;
    assert.ok(spec.architecture);
    assert.equal(countParams(spec.architecture).total, 2 * perLayer + 50304 * 256 + 2048 * 256 + 2 * 256);
    assert.equal(spec.architecture.ffnSize, 640);
  });

  it('`if [[ a ]] || [[ b ]]` is evaluated as a list (Megatron-LM examples/llama: MOCK tokenizer branch)', () => {
    const spec = specOf(
      [
        'NUM_LAYERS=2',
        'HIDDEN_SIZE=256',
        'TOKENIZER_ARG=${3:-"MOCK"}',
        'if [[ "$TOKENIZER_ARG" == "MOCK" ]] || [[ -z "$TOKENIZER_ARG" ]]; then',
        '  EXTRA="--tokenizer-type NullTokenizer --vocab-size 1000"',
        'else',
        '  EXTRA="--tokenizer-type NullTokenizer --vocab-size 5000"',
        'fi',
        launch,
      ].join('\n'),
    );
    // NullTokenizer --vocab-size 1000 padded to a multiple of 128 → 1024 (vocab_size_with_padding);
    // replaying both branches took the else branch's 5000 → 5120.
    assert.equal(spec.architecture?.vocabSize, 1024);
  });

  it('`[[ a && b ]]` inside one test is evaluated whole (a piece without its own `[[`)', () => {
    const spec = specOf(
      [
        'SIZE=small',
        'MODE=train',
        'if [[ "$SIZE" == "small" && "$MODE" == "train" ]]; then NUM_LAYERS=2; HIDDEN_SIZE=256',
        'else NUM_LAYERS=4; HIDDEN_SIZE=512',
        'fi',
        launch,
      ].join('\n'),
    );
    // true && true: the first branch alone. Undecided, the two branches disagree and N is unknown.
    assert.equal(spec.architecture?.nLayers, 2);
  });

  it('`if [ -z "$X" ]; then X=default; fi` on an unset variable keeps the default, as ${X:-default}', () => {
    const spec = specOf(
      [
        'if [ -z "$NUM_LAYERS" ]; then NUM_LAYERS=2; fi',
        'if [ -z ${HIDDEN_SIZE} ]; then',
        '  HIDDEN_SIZE=256',
        'fi',
        launch,
      ].join('\n'),
    );
    assert.equal(spec.architecture?.nLayers, 2);
    assert.equal(spec.architecture?.dModel, 256);
  });
});

describe('Megatron scripts that loop over settings (a sweep launches once per value)', () => {
  const sweep = (loop: string) =>
    specOf(
      [
        'NUM_LAYERS=2',
        'HIDDEN_SIZE=256',
        'GBS=64',
        `${loop}`,
        'do',
        'torchrun pretrain_gpt.py --num-layers $NUM_LAYERS --hidden-size $HIDDEN_SIZE --num-attention-heads 4 ' +
          '--seq-length 1024 --max-position-embeddings 1024 --micro-batch-size 16 --global-batch-size ${GBS} --train-iters 5',
        'done',
      ].join('\n'),
    );
  it('`for GBS in 128 256` makes D unknown naming the variable (was the value before the loop: 5 × 64 × 1024)', () => {
    const spec = sweep('for GBS in 128 256');
    assert.equal(spec.training.tokens, undefined);
    assert.match(messages(spec), /`GBS` takes each value of `for GBS in 128 256`/);
    assert.ok(spec.architecture); // the model does not depend on the loop
  });
  it('a loop over one value sets it: 5 × 128 × 1024 tokens', () => {
    assert.equal(sweep('for GBS in 128').training.tokens, 5 * 128 * 1024);
  });
  const appended = (loop: string) =>
    specOf(
      [
        'LAYERS=""',
        'i=0',
        `${loop}; do`,
        '  LAYERS+="1"',
        'done',
        'torchrun pretrain_gpt.py --num-layers $LAYERS --hidden-size 256 --num-attention-heads 4 --seq-length 1024',
      ].join('\n'),
    );
  it('`+=` in a C-style loop that only computes runs as in bash: "1" four times is 1111 layers', () => {
    // Replayed once this was "1" (1 layer); then unknown; bash makes it "1111".
    assert.equal(appended('for ((i=0; i<4; i++))').architecture?.nLayers, 1111);
  });
  it('`+=` in a while loop, or a C-style loop with an unknown bound, appends an unknown number of times', () => {
    assert.equal(appended('while (( i < 4 ))').architecture, undefined);
    assert.equal(appended('for ((i=0; i<$1; i++))').architecture, undefined);
  });
});

describe('Megatron checkpoint converters (Pai-Megatron-Patch@a098ca5a toolkits/distributed_checkpoints_convertor)', () => {
  it('impl/convert.py with placeholder --train-iters 500000 --global-batch-size 1024 --seq-length 1: no D', () => {
    // Was 500000 × 1024 × 1 = 512,000,000 tokens for a run that trains nothing.
    const spec = specOf(
      'torchrun impl/convert.py --num-layers 2 --hidden-size 256 --num-attention-heads 4 --seq-length 1 ' +
        '--max-position-embeddings 2048 --micro-batch-size 1 --global-batch-size 1024 --train-iters 500000 ' +
        '--load /hf --save /mcore\n',
    );
    assert.equal(spec.training.tokens, undefined);
    assert.match(messages(spec), /impl\/convert\.py, a checkpoint converter/);
    // The model the converter builds is still counted: 2 layers of 12h² + 13h, tied 50304·h, 2048·h, 2h.
    assert.equal(
      countParams(spec.architecture!).total,
      2 * (12 * 256 * 256 + 13 * 256) + 50304 * 256 + 2048 * 256 + 2 * 256,
    );
  });
});

describe("Megatron scripts for MegaBlocks' fork (allenai/OLMoE scripts/megatron_dmoe_46m_8gpu.sh)", () => {
  // stanford-futuredata/Megatron-LM@85f95aef megatron/arguments.py _add_moe_args: `--moe-num-experts`
  // (default None) builds a dMoE in every layer; upstream Megatron has no such flag, so it was
  // silently dropped and the script read as its dense twin (45,654,016).
  const registrySpec = (text: string): RunSpec => {
    const result = readRunConfig(text, { path: '/tmp/megatron_dmoe.sh' });
    assert.equal(result.kind, 'run-config');
    return (result as { spec: RunSpec }).spec;
  };
  const script = (extra: string) =>
    [
      'MOE_ARGUMENTS="--moe-num-experts=64 --moe-loss-weight=0.1 --moe-top-k=1"',
      'torchrun pretrain_gpt.py --num-layers 8 --hidden-size 512 --num-attention-heads 8 --seq-length 2048 \\',
      '  --max-position-embeddings 2048 --micro-batch-size 8 --global-batch-size 64 --train-iters 100 \\',
      `  --vocab-file gpt2-vocab.json --merge-file gpt2-merges.txt ${extra}`,
    ].join('\n');

  it('N is unknown naming --moe-num-experts (was the dense count)', () => {
    const spec = registrySpec(script('${MOE_ARGUMENTS} --moe-expert-model-parallelism'));
    assert.equal(spec.architecture, undefined);
    assert.match(messages(spec), /unknown: --moe-num-experts = 64 — .*MegaBlocks/);
    assert.equal(spec.training.tokens, 100 * 64 * 2048);
  });

  it('--glu (the same fork’s gated MLP) makes N unknown too', () => {
    const spec = registrySpec(script('--glu'));
    assert.equal(spec.architecture, undefined);
    assert.match(messages(spec), /unknown: --glu = true/);
  });

  it('the dense script without the fork flags keeps its exact count', () => {
    const spec = registrySpec(script('').split('\n').slice(1).join('\n'));
    assert.equal(countParams(spec.architecture!).total, gpt(8, 512));
  });
});

describe('slime model scripts: --moe-layer-freq built by a for (( )) loop and printf -v (THUDM/slime@624b824a)', () => {
  // scripts/models/qwen3-30B-A3B.sh's shape, written out: the list is built in bash, then passed.
  const qwen3MoE = (layers: string) =>
    [
      ...slimeMoeLayerList(layers, '0'),
      'MODEL_ARGS=(',
      '   --disable-bias-linear --qk-layernorm --group-query-attention',
      '   --num-attention-heads 32 --num-query-groups 4 --kv-channels 128',
      '   --num-layers $NLAYERS --hidden-size 2048 --ffn-hidden-size 6144',
      '   --normalization RMSNorm --position-embedding-type rope --swiglu',
      '   --untie-embeddings-and-output-weights --vocab-size 151936',
      '   --moe-ffn-hidden-size 768 --moe-router-topk 8 --moe-layer-freq "$MOE_LAYER_FREQ" --num-experts 128',
      ')',
      'torchrun train.py "${MODEL_ARGS[@]}" --seq-length 4096 --micro-batch-size 1 --global-batch-size 8',
    ].join('\n');

  it('Qwen3-30B-A3B is counted (was unknown: "--moe-layer-freq depends on something outside the script")', () => {
    const spec = specOf(qwen3MoE('48'));
    // Per layer (dense): attention 2048·4096 + 2·2048·512 + 4096·2048, QK norms 2·128, two RMSNorms 2·2048,
    // router 2048·128, 128 SwiGLU experts of 3·2048·768. Untied 151936·2048 twice, final norm 2048.
    const dense = 2048 * 4096 * 2 + 2 * 2048 * 512 + 2 * 128 + 2 * 2048 + 2048 * 128;
    const expert = 3 * 2048 * 768;
    const embeddings = 2 * 151936 * 2048 + 2048;
    const counts = countParams(spec.architecture!);
    assert.equal(counts.total, 48 * (dense + 128 * expert) + embeddings);
    assert.equal(counts.total, 30_532_122_624); // Qwen/Qwen3-30B-A3B's published safetensors count
    assert.equal(counts.active, 48 * (dense + 8 * expert) + embeddings);
  });

  it('a list whose length is not --num-layers is refused by name, as Megatron refuses it', () => {
    const text = qwen3MoE('48').replace('--num-layers $NLAYERS', '--num-layers 47');
    const spec = specOf(text);
    assert.equal(spec.architecture, undefined);
    assert.match(messages(spec), /describes 48 layers, not --num-layers 47/);
  });
});

describe('slime launchers that pass only parallelism flags (THUDM/slime@624b824a scripts/run-deepseek-r1.sh)', () => {
  it('a launcher sourcing its model fragment with TP, PP, SP, CP and EP flags is a Megatron script', () => {
    const launcher = [
      'source "${SCRIPT_DIR}/models/deepseek-v3.sh"',
      'PERF_ARGS=(',
      '   --tensor-model-parallel-size 8',
      '   --sequence-parallel',
      '   --pipeline-model-parallel-size 4',
      '   --context-parallel-size 4',
      '   --expert-model-parallel-size 32',
      ')',
      'ray job submit -- python3 train.py ${MODEL_ARGS[@]} ${PERF_ARGS[@]}',
    ].join('\n');
    // Was 0 (two signature flags, TP and PP): the file showed nothing at all.
    assert.ok(megatronReader.detect(launcher, 'scripts/run-deepseek-r1.sh') > 0.5);
    // Without the sourced fragment the same flags say nothing about which framework reads them.
    assert.equal(megatronReader.detect(launcher.split('\n').slice(1).join('\n'), 'scripts/run.sh'), 0);
  });
});

describe('MLA with --add-qkv-bias (THUDM/slime@624b824a scripts/models/glm4.7-30B-A3B.sh)', () => {
  it('is counted without a bias: MLASelfAttention builds every q/kv projection with bias=False', () => {
    const spec = specOf(
      [
        'torchrun pretrain_gpt.py --num-layers 2 --hidden-size 2048 --ffn-hidden-size 10240',
        '  --num-attention-heads 20 --disable-bias-linear --add-qkv-bias --swiglu',
        '  --untie-embeddings-and-output-weights --position-embedding-type rope --normalization RMSNorm',
        '  --qk-layernorm --multi-latent-attention --q-lora-rank 768 --kv-lora-rank 512',
        '  --qk-head-dim 192 --v-head-dim 256 --qk-pos-emb-head-dim 64 --kv-channels 192 --vocab-size 154880',
        '  --make-vocab-size-divisible-by 64 --seq-length 4096 --micro-batch-size 1 --global-batch-size 8',
      ].join(' \\\n'),
    );
    // Was unknown ("counted only with … the DeepSeek layout"). Per layer: q down 2048·768 + norm 768
    // + q up 768·20·(192+64); kv down 2048·(512+64) + norm 512 + kv up 512·20·(192+256); out 20·256·2048;
    // two RMSNorms; SwiGLU 3·2048·10240. Untied 154880·2048 twice and the final norm.
    const mla = 2048 * 768 + 768 + 768 * 20 * 256 + 2048 * 576 + 512 + 512 * 20 * 448 + 20 * 256 * 2048;
    const layer = mla + 2 * 2048 + 3 * 2048 * 10240;
    assert.equal(countParams(spec.architecture!).total, 2 * layer + 2 * 154880 * 2048 + 2048);
    assert.match(spec.assumptions.join('\n'), /--add-qkv-bias has no effect with --multi-latent-attention/);
  });
});

describe('--mtp-num-layers: multi-token-prediction modules (Megatron-LM@d98e8a64 multi_token_prediction.py)', () => {
  // A DeepSeek-style MoE stack: 3 layers, the first dense, the last MoE (so the MTP copy is MoE).
  const script = (extra: string, freq = '[0]*1+[1]*2') =>
    [
      'torchrun pretrain_gpt.py --num-layers 3 --hidden-size 256 --ffn-hidden-size 1024 --num-attention-heads 4',
      '  --disable-bias-linear --swiglu --normalization RMSNorm --position-embedding-type rope',
      '  --untie-embeddings-and-output-weights --vocab-size 1024 --make-vocab-size-divisible-by 128',
      `  --num-experts 8 --moe-router-topk 2 --moe-ffn-hidden-size 128 --moe-layer-freq ${freq}`,
      `  --seq-length 512 --micro-batch-size 1 --global-batch-size 8 --train-iters 10 ${extra}`,
    ].join(' \\\n');
  const h = 256;
  const attention = 4 * h * h;
  const norms = 2 * h;
  const dense = attention + norms + 3 * h * 1024;
  const moe = attention + norms + 8 * 3 * h * 128 + 8 * h;
  const embeddings = 2 * 1024 * h + h;

  it('each module is a copy of the last decoder layer, two norms, a 2h→h projection and a final norm', () => {
    const plain = countParams(specOf(script('')).architecture!);
    const spec = specOf(script('--mtp-num-layers 2'));
    const counts = countParams(spec.architecture!);
    assert.equal(plain.total, dense + 2 * moe + embeddings);
    const module = 3 * h + 2 * h * h + moe;
    assert.equal(counts.total, plain.total + 2 * module);
    // The copies route like every MoE layer: 6 of 8 experts idle per token in each.
    assert.equal(counts.total - counts.active, 4 * 6 * 3 * h * 128);
    assert.match(
      spec.assumptions.join('\n'),
      /2 multi-token-prediction modules \(a copy of the last, MoE decoder layer/,
    );
  });

  it('the copy is dense when the pattern ends dense, and 0 modules is none', () => {
    const spec = specOf(script('--mtp-num-layers 1', '[1]*2+[0]*1'));
    const plain = countParams(specOf(script('', '[1]*2+[0]*1')).architecture!);
    assert.equal(countParams(spec.architecture!).total, plain.total + 3 * h + 2 * h * h + dense);
    assert.equal(specOf(script('--mtp-num-layers 0')).architecture?.mtp, undefined);
  });

  it('--mtp-use-repeated-layer with more than one module is not counted (one module, n applications)', () => {
    const spec = specOf(script('--mtp-num-layers 2 --mtp-use-repeated-layer'));
    assert.equal(spec.architecture, undefined);
    assert.match(messages(spec), /applies one module 2 times/);
  });
});
