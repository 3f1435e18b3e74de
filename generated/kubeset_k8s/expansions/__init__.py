"""Hand-written methods of the generated clients (client-go's ``*_expansion.go``).

``expansions/<module>.py`` may define ``<Plural>Expansion`` and ``Async<Plural>Expansion`` classes
for the resources of ``typed/<module>.py``; the generator makes each one the last base of the
matching resource client, and regeneration keeps this directory as it is (``make verify`` reads it
as input). Write them against the verb mixins of :mod:`kubeset.client`.
"""
