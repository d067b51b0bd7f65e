/**
 * What a file that no reader recognizes looks like: a run config of a framework Scaling Lens does
 * not read yet (with a hint), or not a run config at all. The language status says which, so a
 * silent editor never leaves the user guessing whether the file was understood.
 */

/** A framework whose run configs are recognizable but not read, with what to do instead. */
interface UnsupportedSignature {
  framework: string;
  /** Every pattern must match somewhere in the text. */
  patterns: readonly RegExp[];
  hint: string;
}

const SIGNATURES: readonly UnsupportedSignature[] = [
  {
    framework: 'NeMo 2.x (Python recipe)',
    patterns: [
      /\bfrom\s+nemo\.collections\s+import\s+llm\b|\bnemo\.collections\.llm\b/,
      // The recipe API, or the plain one: llm.train(model, data, trainer) with an nl.Trainer
      // (NVIDIA/NeMo@8cfedd72 nemo/collections/llm/api.py train / pretrain / finetune).
      /\brecipe|pretrain|finetune|\bllm\.train\s*\(|\bnl\.Trainer\s*\(/,
      // Files calling a recipe (`llm.<name>.pretrain_recipe(...)`) are read by the nemo2 reader.
      /^(?![\s\S]*\.\s*(?:pretrain_recipe|finetune_recipe)\s*\()/,
    ],
    hint: 'This NeMo 2.x script builds the model in Python without a recipe call (llm.*Config classes); Scaling Lens reads NeMo 2.x files that call `llm.<recipe>.pretrain_recipe(...)`, and NeMo 1.x YAML. Open the HF config.json of the model.',
  },
  {
    framework: 'Hugging Face Trainer (Python script)',
    patterns: [/\bTrainingArguments\s*\(/, /\bfrom\s+transformers\s+import\b/],
    hint: 'The model comes from `from_pretrained`; open its config.json (or an Axolotl/torchtune YAML) for N, and set the training tokens.',
  },
  {
    framework: 'Accelerate launch config',
    patterns: [/^compute_environment\s*:/m, /^distributed_type\s*:/m],
    hint: 'An Accelerate config describes the machines, not the model; open the training config it launches.',
  },
  {
    framework: 'fairseq',
    patterns: [/\bfairseq(-train|_cli)?\b/, /--arch\s+\S+|arch\s*:/],
    hint: 'fairseq architectures are named in code (`--arch`); not read yet.',
  },
];

/** Keys that training configs of any framework tend to have. */
const TRAINING_KEY =
  /^\s*["']?(?:-{0,2})(learning[_-]rate|lr|batch[_-]size|global[_-]batch[_-]size|micro[_-]batch[_-]size|max[_-]steps|train[_-]steps|num[_-]epochs|epochs|warmup[_-]steps|seq[_-]?len(?:gth)?|max[_-]seq[_-]len(?:gth)?|hidden[_-]size|n[_-]layers?|num[_-]layers|num[_-]hidden[_-]layers|d[_-]model|n[_-]embd|weight[_-]decay|gradient[_-]accumulation[_-]steps)["']?\s*[:=\s]/gim;

/** How a file no reader recognized should be described. */
export type UnrecognizedKind =
  | { kind: 'unsupported-framework'; framework: string; hint: string }
  | { kind: 'config-like'; keys: string[]; hint: string }
  | { kind: 'not-a-run-config' };

/** Classify a file that no framework reader recognized. Cheap, bounded, never throws. */
export function classifyUnrecognized(text: string): UnrecognizedKind {
  const head = text.slice(0, 200_000);
  for (const signature of SIGNATURES) {
    if (signature.patterns.every((pattern) => pattern.test(head)))
      return { kind: 'unsupported-framework', framework: signature.framework, hint: signature.hint };
  }
  const keys = new Set<string>();
  for (const match of head.matchAll(TRAINING_KEY)) {
    keys.add(match[1]!.toLowerCase().replace(/-/g, '_'));
    if (keys.size >= 8) break;
  }
  if (keys.size >= 3) {
    return {
      kind: 'config-like',
      keys: [...keys].sort(),
      hint: 'This looks like a training config of a framework Scaling Lens does not read. Supported: nanoGPT, LitGPT, torchtitan, GPT-NeoX, OLMo, OLMo-core, llm-foundry, MaxText, Megatron, Levanter, HF config.json, torchtune, Axolotl, nanotron, NeMo 1.x, NeMo 2.x recipes.',
    };
  }
  return { kind: 'not-a-run-config' };
}
