# config for training GPT-2 (124M) on OpenWebText, a shorter run than the 300B-token reference
# launch as the following (e.g. in a screen session) and wait ~2 days:
# $ torchrun --standalone --nproc_per_node=8 train.py config/train_gpt2_124m.py

wandb_log = True
wandb_project = 'owt'
wandb_run_name = 'gpt2-124M-30B'

# these make the total batch size be ~0.5M
# 12 batch size * 1024 block size * 5 gradaccum * 8 GPUs = 491,520
batch_size = 12
block_size = 1024
gradient_accumulation_steps = 5 * 8

# model
n_layer = 12
n_head = 12
n_embd = 768
dropout = 0.0
bias = False

# this makes total number of tokens be ~29.5B
max_iters = 60000
lr_decay_iters = 60000
warmup_iters = 2000
learning_rate = 6e-4
min_lr = 6e-5

# eval stuff
eval_interval = 1000
eval_iters = 200
log_interval = 10

# weight decay
weight_decay = 1e-1

dataset = 'openwebtext'
out_dir = 'out-gpt2-124m'
