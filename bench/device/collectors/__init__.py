"""Samplers that run beside a scenario: memory, CPU, energy (RAPL, NVML, battery, an external
meter) and temperature. Each reads a source that tests can point at a fake root
(``EDGEBENCH_SYSFS_ROOT``); ``beside`` starts the ones a profile asks for."""
