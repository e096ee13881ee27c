"""The device a run measures on: the host fingerprint, onnxruntime sessions (``session`` is
the only module that imports onnxruntime), execution providers and their fallback, device
emulation (cores, memory, threads), starter profiles for this host, and the collectors that
sample memory, CPU, energy and temperature beside a run."""
