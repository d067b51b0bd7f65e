/** Shapes of the generated tables.ts (scripts/gen-nemo2-recipes.py). */

/** A value the generator read: a literal, a pretrain_recipe parameter passed through, a config, or opaque. */
export type Nemo2Value =
  | null
  | boolean
  | number
  | string
  | readonly Nemo2Value[]
  | { readonly param: string; readonly default: Nemo2Value }
  | {
      readonly config: string;
      readonly fields: Readonly<Record<string, Nemo2Value>>;
      readonly positional?: readonly Nemo2Value[];
    }
  | { readonly opaque: string }
  | { readonly $expr: string };

export interface Nemo2Outputs {
  model: string;
  config: string;
  configFields: Readonly<Record<string, Nemo2Value>>;
  modelFields: readonly string[];
  trainer: string;
  trainerFields: Readonly<Record<string, Nemo2Value>>;
  strategy: Nemo2Value;
  strategyFields: Readonly<Record<string, Nemo2Value>>;
  data: string;
  dataFields: Readonly<Record<string, Nemo2Value>>;
  recipeFields: readonly string[];
  peft: boolean;
  /** Every strategy keyword (layout: sequence_parallel, ddp, fsdp, …). */
  strategyAll: Readonly<Record<string, Nemo2Value>>;
  /** trainer.plugins (bf16_mixed(): MegatronMixedPrecision). */
  plugins: Nemo2Value;
  /** recipe.optim (MegatronOptimizerModule: OptimizerConfig and the LR scheduler). */
  optim: Nemo2Value;
}

export type Nemo2Recipe =
  | { unsupported: string }
  | {
      signature: Readonly<Record<string, Nemo2Value>>;
      /** Consumed parameters whose other values change only the LR scheduler (N, D and layout stay). */
      scheduleOnly: readonly string[];
      /** Parameters whose value steered the evaluation (a branch, a comparison). */
      consumed: readonly string[];
      outputs: Nemo2Outputs;
      /** A boolean parameter flipped: the outputs then (absent when they are the same). */
      variants: Readonly<Record<string, { value: boolean; outputs?: Nemo2Outputs; unsupported?: string }>>;
    };

export interface Nemo2Config {
  chain: readonly string[];
  file: string;
  fields: Readonly<Record<string, Nemo2Value>>;
  /** Method name → the class in the chain that defines it. */
  overrides: Readonly<Record<string, string>>;
}

/** A finetune_recipe's outputs: the pretrain shape plus the checkpoint it restores and its PEFT. */
export interface Nemo2FinetuneOutputs extends Nemo2Outputs {
  /** `resume.restore_config.path` (`nemo://<HF id>`: the checkpoint import_ckpt wrote, with its tokenizer). */
  restorePath: Nemo2Value;
  resumeFields: readonly string[];
  /** `LoRA`, `DoRA`, or null when the recipe trains all weights. */
  peftClass: Nemo2Value;
  peftFields: Readonly<Record<string, Nemo2Value>>;
  /** llm.finetune's `tokenizer` argument ('model': the model's, restored from the checkpoint). */
  tokenizer: Nemo2Value;
}

export type Nemo2Finetune =
  | { unsupported: string }
  | {
      /** The arguments the evaluation ran over (`peft_scheme`, `packed_sequence`, `performance_mode`, `seq_length`). */
      params: readonly string[];
      /** Their defaults in finetune_recipe's signature. */
      defaults: Readonly<Record<string, Nemo2Value>>;
      /** `peft_scheme="lora",packed_sequence=null,…` (seq_length "given" or null) → outputs. */
      variants: Readonly<Record<string, Nemo2FinetuneOutputs | { unsupported: string }>>;
    };

export interface Nemo2Tables {
  finetunes: Readonly<Record<string, Nemo2Finetune>>;
  /** PEFT dataclass defaults (nemo/collections/llm/peft/{lora,dora}.py). */
  peft: Readonly<Record<string, Readonly<Record<string, Nemo2Value>>>>;
  configs: Readonly<Record<string, Nemo2Config>>;
  recipes: Readonly<Record<string, Nemo2Recipe>>;
  dataModules: Readonly<Record<string, Readonly<Record<string, Nemo2Value>>>>;
}
