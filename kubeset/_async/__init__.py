"""The async runtime; ``kubeset._sync`` is generated from it by ``codegen/clientgen/unasync.py``."""
