"""What a run produces: the ``Report`` / ``RunResult`` models (``models``, with the figures
of the scenarios and passes in ``figures``), the contract that writes and reads them
(schema version, content hash, strict reading: ``contract``), and the functions over
results: comparability and verdicts (``compare``) and category scores (``scores``)."""
