"""For certification labs: batch plans run one subprocess per run with a journal and
resume (``batch``), and the catalog of certified results with criteria, verdicts,
signatures and a static site (``catalog``)."""
