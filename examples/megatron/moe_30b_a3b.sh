#!/bin/bash
# A Qwen3-30B-A3B-shaped mixture-of-experts run: 48 layers, 128 experts (top 8), the dense/MoE
# layer list built in bash and passed as --moe-layer-freq (the way slime's model scripts do it).
set -euo pipefail

NLAYERS=48
FIRST_DENSE_LAYERS=0

layer_kinds=()
for ((i = 0; i < NLAYERS; i++)); do
  if ((i < FIRST_DENSE_LAYERS)); then
    layer_kinds+=(0)
  else
    layer_kinds+=(1)
  fi
done
printf -v MOE_LAYER_FREQ "[%s]" "$(IFS=', '; echo "${layer_kinds[*]}")"

MODEL_ARGS=(
  --num-layers $NLAYERS
  --hidden-size 2048
  --ffn-hidden-size 6144
  --num-attention-heads 32
  --group-query-attention
  --num-query-groups 4
  --kv-channels 128
  --qk-layernorm
  --disable-bias-linear
  --normalization RMSNorm
  --position-embedding-type rope
  --swiglu
  --untie-embeddings-and-output-weights
  --vocab-size 151936
  --num-experts 128
  --moe-ffn-hidden-size 768
  --moe-router-topk 8
  --moe-layer-freq "$MOE_LAYER_FREQ"
  --moe-grouped-gemm
)

TRAINING_ARGS=(
  --seq-length 4096
  --max-position-embeddings 4096
  --micro-batch-size 1
  --global-batch-size 512
  --train-iters 50000
  --lr 3e-4
  --min-lr 3e-5
  --lr-decay-style cosine
  --lr-warmup-iters 2000
  --bf16
)

PARALLEL_ARGS=(
  --tensor-model-parallel-size 1
  --pipeline-model-parallel-size 1
  --expert-model-parallel-size 8
  --use-distributed-optimizer
  --recompute-granularity full
  --recompute-method uniform
  --recompute-num-layers 1
)

torchrun --nproc_per_node 8 --nnodes 8 pretrain_gpt.py \
  "${MODEL_ARGS[@]}" "${TRAINING_ARGS[@]}" "${PARALLEL_ARGS[@]}"
