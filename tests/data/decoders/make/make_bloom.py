"""Save a tiny random-weight Bloom (ALiBi: its export has no position_ids)."""
import torch
from transformers import BloomConfig, BloomForCausalLM

torch.manual_seed(0)
config = BloomConfig(vocab_size=1024, hidden_size=64, n_layer=2, n_head=4)
BloomForCausalLM(config).eval().save_pretrained("tiny-bloom")
