"""optimum's exporter, the two legacy decoders (past out only; past in and out), merged
into decoder_model_merged.onnx (use_cache_branch), as optimum < 2 wrote by default."""
import shutil
from pathlib import Path

from optimum.exporters.onnx import export
from optimum.exporters.onnx.model_configs import LlamaOnnxConfig
from optimum.onnx import merge_decoders
from transformers import AutoConfig, LlamaForCausalLM

config = AutoConfig.from_pretrained("tiny-llama")
model = LlamaForCausalLM.from_pretrained("tiny-llama").eval()
legacy = Path("out-llama-legacy")
legacy.mkdir(exist_ok=True)
for name, past_in in (("decoder_model.onnx", False), ("decoder_with_past_model.onnx", True)):
    onnx_config = LlamaOnnxConfig(config, task="text-generation", use_past=True,
                                  use_past_in_inputs=past_in)
    export(model, onnx_config, legacy / name, opset=18)
out = Path("out-llama-merged")
out.mkdir(exist_ok=True)
merge_decoders(legacy / "decoder_model.onnx", legacy / "decoder_with_past_model.onnx",
               save_path=out / "decoder_model_merged.onnx")
shutil.copy("tiny-llama/config.json", out / "config.json")
