"""Pre-train Llama 3 8B with a NeMo 2.x recipe on 2 nodes of 8 GPUs.

Run with `python llama3_8b_pretrain.py` (NeMo-Run launches it locally with torchrun).
"""

import nemo_run as run
from nemo.collections import llm
from nemo.collections.common.tokenizers.huggingface.auto_tokenizer import AutoTokenizer


def configure_recipe(nodes: int = 2, gpus_per_node: int = 8):
    recipe = llm.llama3_8b.pretrain_recipe(
        name="llama3_8b_pretraining",
        dir="/checkpoints/llama3_8b",
        num_nodes=2,
        num_gpus_per_node=8,
    )
    # Real data with Llama 3's own tokenizer; the recipe's mock data would build a GPT-2-vocabulary model.
    recipe.data = run.Config(
        llm.PreTrainingDataModule,
        paths=["/data/fineweb_text_document"],
        seq_length=8192,
        global_batch_size=512,
        micro_batch_size=1,
        tokenizer=run.Config(AutoTokenizer, pretrained_model_name="meta-llama/Meta-Llama-3-8B"),
    )
    recipe.trainer.max_steps = 20_000
    recipe.trainer.strategy.tensor_model_parallel_size = 2
    return recipe


if __name__ == "__main__":
    run.run(configure_recipe(), executor=run.LocalExecutor(ntasks_per_node=8, launcher="torchrun"))
