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
}

export type Nemo2Recipe =
  | { unsupported: string }
  | {
      signature: Readonly<Record<string, Nemo2Value>>;
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

export interface Nemo2Tables {
  configs: Readonly<Record<string, Nemo2Config>>;
  recipes: Readonly<Record<string, Nemo2Recipe>>;
  dataModules: Readonly<Record<string, Readonly<Record<string, Nemo2Value>>>>;
}
