"""Pure arithmetic over measured values: summaries and percentiles (``summary``), intervals
(``intervals``), the significance of a change between two runs (``significance``), step
detection over a series (``changepoints``, with the window order statistics it needs in
``windows``) and statistics across fresh processes (``processes``). No I/O, no
onnxruntime."""
