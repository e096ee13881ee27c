"""Planning a decoder workload's engine: an ONNX Runtime GenAI folder runs
``token-generation`` through onnxruntime-genai unless told otherwise (``--engine
onnxruntime`` drives the same folder's ``model.onnx`` through a plain session with the
folder's own I/O names); ``--engine genai`` on a suite decoder builds its GenAI folder
(``bench.zoo.genai_build``) and runs that.
"""

from __future__ import annotations

import dataclasses

from bench.device import genai
from bench.errors import UsageError
from bench.measure.scenarios import get_scenario
from bench.spec import RunSettings
from bench.zoo import ResolvedModel, resolve
from bench.zoo.genai_build import genai_folder
from bench.zoo.genai_folder import beside

TOKEN_GENERATION = "token-generation"


def prepare(model: ResolvedModel, settings: RunSettings) -> tuple[ResolvedModel, dict[str, object]]:
    """The model to run and the settings to update, for a decoder's engine."""
    is_folder = model.spec is None and beside(model.path).genai is not None
    update: dict[str, object] = {}
    scenario = settings.scenario
    if is_folder and "scenario" not in settings.model_fields_set:
        scenario = update["scenario"] = TOKEN_GENERATION
    engine = settings.engine
    if engine is None and is_folder and get_scenario(scenario).decoder:
        engine = update["engine"] = "genai"
    if engine != "genai":
        return model, update
    if not get_scenario(scenario).decoder:
        raise UsageError(f"--engine genai applies to --scenario {TOKEN_GENERATION} "
                         f"(not {scenario})")
    if not genai.installed():
        raise UsageError(f"model {model.name!r}: --engine genai needs onnxruntime-genai: pip "
                         "install 'edgebench[genai]' (or use --engine onnxruntime)")
    if is_folder:
        return model, update
    if model.spec is None:
        raise UsageError(f"model {model.name!r}: --engine genai runs an ONNX Runtime GenAI "
                         f"folder (genai_config.json beside the model; {model.path.parent} "
                         "has none) or a suite decoder; use --engine onnxruntime for this file")
    folder = genai_folder(model.spec, settings.precision)
    built = resolve(str(folder))
    seq = next((i.dims.get("seq") for i in model.spec.inputs if i.name == "input_ids"), None)
    if settings.prompt_length is None and seq:
        update["prompt_length"] = seq  # the manifest's prompt
    return dataclasses.replace(built, name=model.name, precision=settings.precision), update
