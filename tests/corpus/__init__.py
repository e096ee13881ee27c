"""The model corpus (see ``catalog``): real ONNX files from many producers, made into the
cache by ``python -m tests.corpus.build``."""
