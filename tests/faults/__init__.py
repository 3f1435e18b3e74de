"""Fault injection: a loopback TCP proxy that resets, stalls, truncates, delays and slows the
connections to a real kube-apiserver, and the scenarios run through it (:mod:`tests.faults.proxy`);
property-based fuzzing of the decoders and loaders (:mod:`tests.faults.test_fuzz`); the
``make faults`` report (:mod:`tests.faults.report`)."""
