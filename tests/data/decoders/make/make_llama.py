"""Save a tiny random-weight Llama (no hub download) for optimum's exporter."""
import torch
from transformers import LlamaConfig, LlamaForCausalLM

torch.manual_seed(0)
config = LlamaConfig(vocab_size=1024, hidden_size=64, intermediate_size=128,
                     num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                     max_position_embeddings=512, tie_word_embeddings=False)
model = LlamaForCausalLM(config).eval()
model.save_pretrained("tiny-llama")
