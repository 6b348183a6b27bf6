"""saiga_trainer: a LoRA trainer that reads llama weights straight from GGUF files (PyTorch only)."""
