/**
 * Well-known tokenizers and their sizes, one table for every reader (a config that names a
 * tokenizer gives its vocabulary). `size` is `len(tokenizer)` of the HF tokenizer (base vocabulary
 * plus added special tokens), which is what Megatron's HuggingFaceTokenizer, Levanter and
 * torchtitan allocate before their own padding; `source` says where the number was read.
 *
 * Rows are matched against a hub id, a local path ending in one, or a tokenizer file name; the
 * first matching row wins, so specific rows come before family rows.
 */
export interface TokenizerRow {
  /** Matches a hub id (`meta-llama/Meta-Llama-3-8B`), a path ending in one, or a file name. */
  pattern: RegExp;
  /** len(tokenizer). */
  size: number;
  /** Display name of the tokenizer. */
  name: string;
  /** Where the size was read (file and commit, or the hub config's vocab_size). */
  source: string;
}

export const TOKENIZERS: readonly TokenizerRow[] = [
  // HF gpt2 tokenizer.json: 50256 merges-based BPE tokens + <|endoftext|> = 50257.
  {
    pattern: /(^|\/)(openai-community\/)?gpt2(-medium|-large|-xl)?\/?$/i,
    size: 50257,
    name: 'GPT-2 BPE',
    source: 'openai-community/gpt2 config.json vocab_size 50257',
  },
];

/** The tokenizer a name or path refers to, if known. */
export function findTokenizer(nameOrPath: string): TokenizerRow | undefined {
  const key = nameOrPath.trim();
  if (!key) return undefined;
  return TOKENIZERS.find((row) => row.pattern.test(key));
}
