"""saiga_trainer: a LoRA trainer that reads llama weights straight from GGUF files (PyTorch only)."""

# Projections LoRA adapts by default (llama.cpp tensor names without `blk.N.` and `.weight`).
DEFAULT_TARGETS = ("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down")
