/**
 * Launch-script idioms from real repositories, written out for tests (not copies of the files).
 *
 * The dense/MoE layer list of THUDM/slime@624b824a scripts/models/*.sh (qwen3-30B-A3B.sh,
 * deepseek-v3.sh, kimi-k2.sh, …): a `for (( ))` loop appends 0 (dense) or 1 (MoE) per layer, then
 * `printf -v` joins the array with the first IFS character into `--moe-layer-freq`'s list.
 */
export function slimeMoeLayerList(layers: string, firstDenseLayers: string): string[] {
  return [
    `NLAYERS=${layers}`,
    `FIRST_K_DENSE_REPLACE=${firstDenseLayers}`,
    'arr=()',
    'for ((i=0; i<NLAYERS; i++)); do',
    '  if (( i < FIRST_K_DENSE_REPLACE )); then',
    '    arr+=(0)',
    '  else',
    '    arr+=(1)',
    '  fi',
    'done',
    'printf -v MOE_LAYER_FREQ "[%s]" "$(IFS=\', \'; echo "${arr[*]}")"',
  ];
}
