# Generated from kubeset/_async/__init__.py by codegen/clientgen/unasync.py. DO NOT EDIT.
"""The sync runtime; ``kubeset._sync`` is generated from it by ``codegen/clientgen/unasync.py``."""
