"""kubeset.kyaml reads YAML as Kubernetes does.

The expected values of the matrix below were recorded from Kubernetes' own code, not guessed:
``sigs.k8s.io/yaml`` v1.6.0 ``YAMLToJSON`` (its ``go.yaml.in/yaml/v2`` v2.4.3 decoder) for one
document, and apimachinery v0.36.3's ``YAMLReader`` (kubectl's splitting at ``---``) followed by
``YAMLToJSON`` for a stream; null documents are left out as kubectl does. The JSON was then read
as Kubernetes reads JSON: integers that fit int64 as ``int``, other numbers as ``float``.
``ERROR`` marks text that Kubernetes refuses (the Go error is in the comment).

Left out as not deterministic in Kubernetes itself: keys that differ before being spelled as
strings but not after (``1`` and ``'1'``, ``true`` and ``'true'``): Go iterates its map in random
order, so either value may win; kubeset keeps the last one.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from kubeset import KubesetError, ManifestError, kyaml
from tests.specs import CORPUS

ERROR = object()

SINGLE: list[tuple[str, str, Any]] = [
    ("scalar:true", "v: true\n", {"v": True}),
    ("scalar:True", "v: True\n", {"v": True}),
    ("scalar:TRUE", "v: TRUE\n", {"v": True}),
    ("scalar:tRUE", "v: tRUE\n", {"v": "tRUE"}),
    ("scalar:false", "v: false\n", {"v": False}),
    ("scalar:False", "v: False\n", {"v": False}),
    ("scalar:FALSE", "v: FALSE\n", {"v": False}),
    ("scalar:yes", "v: yes\n", {"v": True}),
    ("scalar:Yes", "v: Yes\n", {"v": True}),
    ("scalar:YES", "v: YES\n", {"v": True}),
    ("scalar:yEs", "v: yEs\n", {"v": "yEs"}),
    ("scalar:no", "v: no\n", {"v": False}),
    ("scalar:No", "v: No\n", {"v": False}),
    ("scalar:NO", "v: NO\n", {"v": False}),
    ("scalar:on", "v: on\n", {"v": True}),
    ("scalar:On", "v: On\n", {"v": True}),
    ("scalar:ON", "v: ON\n", {"v": True}),
    ("scalar:off", "v: off\n", {"v": False}),
    ("scalar:Off", "v: Off\n", {"v": False}),
    ("scalar:OFF", "v: OFF\n", {"v": False}),
    ("scalar:y", "v: y\n", {"v": True}),
    ("scalar:Y", "v: Y\n", {"v": True}),
    ("scalar:n", "v: n\n", {"v": False}),
    ("scalar:N", "v: N\n", {"v": False}),
    ("scalar:~", "v: ~\n", {"v": None}),
    ("scalar:null", "v: null\n", {"v": None}),
    ("scalar:Null", "v: Null\n", {"v": None}),
    ("scalar:NULL", "v: NULL\n", {"v": None}),
    ("scalar:nUll", "v: nUll\n", {"v": "nUll"}),
    ("scalar:", "v: \n", {"v": None}),
    ("scalar:0", "v: 0\n", {"v": 0}),
    ("scalar:12", "v: 12\n", {"v": 12}),
    ("scalar:-12", "v: -12\n", {"v": -12}),
    ("scalar:+12", "v: +12\n", {"v": 12}),
    ("scalar:0x1A", "v: 0x1A\n", {"v": 26}),
    ("scalar:0X1A", "v: 0X1A\n", {"v": 26}),
    ("scalar:-0x1A", "v: -0x1A\n", {"v": -26}),
    ("scalar:0o10", "v: 0o10\n", {"v": 8}),
    ("scalar:0O10", "v: 0O10\n", {"v": 8}),
    ("scalar:010", "v: 010\n", {"v": 8}),
    ("scalar:-010", "v: -010\n", {"v": -8}),
    ("scalar:08", "v: 08\n", {"v": 8}),
    ("scalar:0b101", "v: 0b101\n", {"v": 5}),
    ("scalar:-0b101", "v: -0b101\n", {"v": -5}),
    ("scalar:0B101", "v: 0B101\n", {"v": 5}),
    ("scalar:1_000", "v: 1_000\n", {"v": 1000}),
    ("scalar:0x_1F", "v: 0x_1F\n", {"v": 31}),
    ("scalar:0b1_0", "v: 0b1_0\n", {"v": 2}),
    ("scalar:010_0", "v: 010_0\n", {"v": 64}),
    ("scalar:9223372036854775807", "v: 9223372036854775807\n", {"v": 9223372036854775807}),
    ("scalar:9223372036854775808", "v: 9223372036854775808\n", {"v": 9.223372036854776e18}),
    ("scalar:-9223372036854775808", "v: -9223372036854775808\n", {"v": -9223372036854775808}),
    ("scalar:-9223372036854775809", "v: -9223372036854775809\n", {"v": -9.223372036854776e18}),
    ("scalar:18446744073709551615", "v: 18446744073709551615\n", {"v": 1.8446744073709552e19}),
    ("scalar:18446744073709551616", "v: 18446744073709551616\n", {"v": 1.8446744073709552e19}),
    (
        "scalar:123456789012345678901234567890",
        "v: 123456789012345678901234567890\n",
        {"v": 1.2345678901234568e29},
    ),
    ("scalar:1.5", "v: 1.5\n", {"v": 1.5}),
    ("scalar:1.0", "v: 1.0\n", {"v": 1}),
    ("scalar:-1.5e-3", "v: -1.5e-3\n", {"v": -0.0015}),
    ("scalar:1e3", "v: 1e3\n", {"v": 1000}),
    ("scalar:1E3", "v: 1E3\n", {"v": 1000}),
    ("scalar:1e+3", "v: 1e+3\n", {"v": 1000}),
    ("scalar:1.0e+3", "v: 1.0e+3\n", {"v": 1000}),
    ("scalar:1e-3", "v: 1e-3\n", {"v": 0.001}),
    ("scalar:.5", "v: .5\n", {"v": 0.5}),
    ("scalar:5.", "v: 5.\n", {"v": 5}),
    ("scalar:+1.5", "v: +1.5\n", {"v": 1.5}),
    ("scalar:1_000.5", "v: 1_000.5\n", {"v": 1000.5}),
    ("scalar:.inf", "v: .inf\n", ERROR),  # json: unsupported value: +Inf
    ("scalar:-.inf", "v: -.inf\n", ERROR),  # json: unsupported value: -Inf
    ("scalar:+.inf", "v: +.inf\n", ERROR),  # json: unsupported value: +Inf
    ("scalar:.Inf", "v: .Inf\n", ERROR),  # json: unsupported value: +Inf
    ("scalar:.INF", "v: .INF\n", ERROR),  # json: unsupported value: +Inf
    ("scalar:.nan", "v: .nan\n", ERROR),  # json: unsupported value: NaN
    ("scalar:.NaN", "v: .NaN\n", ERROR),  # json: unsupported value: NaN
    ("scalar:.NAN", "v: .NAN\n", ERROR),  # json: unsupported value: NaN
    ("scalar:1e400", "v: 1e400\n", {"v": "1e400"}),
    ("scalar:1.5e300", "v: 1.5e300\n", {"v": 1.5e300}),
    ("scalar:0.1", "v: 0.1\n", {"v": 0.1}),
    ("scalar:100000000000000000000.0", "v: 100000000000000000000.0\n", {"v": 1e20}),
    ("scalar:1e21", "v: 1e21\n", {"v": 1e21}),
    ("scalar:1.0e6", "v: 1.0e6\n", {"v": 1000000}),
    ("scalar:123456789.123456789", "v: 123456789.123456789\n", {"v": 123456789.12345679}),
    ("scalar:1:20", "v: 1:20\n", {"v": "1:20"}),
    ("scalar:1:20:30", "v: 1:20:30\n", {"v": "1:20:30"}),
    ("scalar:1:20:30.5", "v: 1:20:30.5\n", {"v": "1:20:30.5"}),
    ("scalar:-1:20", "v: -1:20\n", {"v": "-1:20"}),
    ("scalar:190:20:30", "v: 190:20:30\n", {"v": "190:20:30"}),
    ("scalar:=", "v: =\n", {"v": "="}),
    ("scalar:2024-01-01", "v: 2024-01-01\n", {"v": "2024-01-01"}),
    ("scalar:2024-01-01T10:00:00Z", "v: 2024-01-01T10:00:00Z\n", {"v": "2024-01-01T10:00:00Z"}),
    (
        "scalar:2001-12-14 21:59:43.10 -5",
        "v: 2001-12-14 21:59:43.10 -5\n",
        {"v": "2001-12-14 21:59:43.10 -5"},
    ),
    (
        "scalar:2001-12-14t21:59:43.10-05:00",
        "v: 2001-12-14t21:59:43.10-05:00\n",
        {"v": "2001-12-14t21:59:43.10-05:00"},
    ),
    ("scalar:2024-1-1", "v: 2024-1-1\n", {"v": "2024-1-1"}),
    ("scalar:<<", "v: <<\n", {"v": "<<"}),
    ("scalar:a b", "v: a b\n", {"v": "a b"}),
    ("scalar:'quoted'", "v: 'quoted'\n", {"v": "quoted"}),
    ('scalar:"0o10"', 'v: "0o10"\n', {"v": "0o10"}),
    ('scalar:"\\u00e9\\x41\\t"', 'v: "\\u00e9\\x41\\t"\n', {"v": "éA\t"}),
    ("scalar:'it''s'", "v: 'it''s'\n", {"v": "it's"}),
    ("scalar:0.", "v: 0.\n", {"v": 0}),
    ("scalar:-0", "v: -0\n", {"v": 0}),
    ("scalar:-0.0", "v: -0.0\n", {"v": 0}),
    ("scalar:0xG", "v: 0xG\n", {"v": "0xG"}),
    ("scalar:1.2.3", "v: 1.2.3\n", {"v": "1.2.3"}),
    ("scalar:+", "v: +\n", {"v": "+"}),
    ("scalar:-", "v: -\n", ERROR),  # yaml: block sequence entries are not allowed in this context
    ("scalar:.", "v: .\n", {"v": "."}),
    ("scalar:0x", "v: 0x\n", {"v": "0x"}),
    ("scalar:_1", "v: _1\n", {"v": "_1"}),
    ("scalar:1__0", "v: 1__0\n", {"v": 10}),
    ("scalar:!!str 123", "v: !!str 123\n", {"v": "123"}),
    ("scalar:!!str true", "v: !!str true\n", {"v": "true"}),
    ('scalar:!!int "12"', 'v: !!int "12"\n', {"v": 12}),
    ("scalar:!!float 1", "v: !!float 1\n", {"v": 1}),
    ('scalar:!!float "1.5"', 'v: !!float "1.5"\n', {"v": 1.5}),
    ("scalar:!!bool yes", "v: !!bool yes\n", {"v": True}),
    ('scalar:!!bool "true"', 'v: !!bool "true"\n', {"v": True}),
    ('scalar:!!null ""', 'v: !!null ""\n', {"v": None}),
    ("scalar:!!binary aGVsbG8=", "v: !!binary aGVsbG8=\n", {"v": "hello"}),
    ("scalar:!!timestamp 2024-01-01", "v: !!timestamp 2024-01-01\n", {"v": "2024-01-01"}),
    ("scalar:!foo bar", "v: !foo bar\n", {"v": "bar"}),
    ("scalar:!!int 0o10", "v: !!int 0o10\n", {"v": 8}),
    ("scalar:!!int 1.5", "v: !!int 1.5\n", ERROR),  # yaml: cannot decode !!float `1.5` as a !!int
    ("scalar:!!str", "v: !!str\n", {"v": ""}),
    ("scalar:!<tag:yaml.org,2002:str> 5", "v: !<tag:yaml.org,2002:str> 5\n", {"v": "5"}),
    ("scalar:&a 5", "v: &a 5\n", {"v": 5}),
    ('scalar:"\\N\\_"', 'v: "\\N\\_"\n', {"v": "\x85\xa0"}),
    ("scalar:null # c", "v: null # c\n", {"v": None}),
    ("scalar:x#y", "v: x#y\n", {"v": "x#y"}),
    ("scalar:x #y", "v: x #y\n", {"v": "x"}),
    (
        "merge",
        "a: &a {x: 1, y: 2}\nb:\n  <<: *a\n  y: 3\n",
        {"a": {"true": 2, "x": 1}, "b": {"true": 3, "x": 1}},
    ),
    (
        "merge_list",
        "a: &a {x: 1}\nc: &c {x: 2, z: 3}\nb:\n  <<: [*a, *c]\n",
        {"a": {"x": 1}, "b": {"x": 1, "z": 3}, "c": {"x": 2, "z": 3}},
    ),
    (
        "merge_before",
        "a: &a {x: 1}\nb:\n  y: 3\n  <<: *a\n  x: 9\n",
        {"a": {"x": 1}, "b": {"true": 3, "x": 9}},
    ),
    (
        "merge_override_after",
        "a: &a {x: 1}\nb:\n  x: 9\n  <<: *a\n",
        {"a": {"x": 1}, "b": {"x": 1}},
    ),
    (
        "merge_scalar",
        "b:\n  <<: 5\n",
        ERROR,
    ),  # yaml: map merge requires map or sequence of maps as the value
    ("merge_quoted", "a: &a {x: 1}\nb:\n  '<<': *a\n", {"a": {"x": 1}, "b": {"<<": {"x": 1}}}),
    ("alias", "a: &a [1, 2]\nb: *a\n", {"a": [1, 2], "b": [1, 2]}),
    ("alias_undefined", "b: *a\n", ERROR),  # yaml: unknown anchor 'a' referenced
    ("dup_key", "a: 1\na: 2\n", {"a": 2}),
    ("dup_key_nested", "m:\n  a: 1\n  a: 2\n", {"m": {"a": 2}}),
    ("dup_key_num", "1: a\n1: b\n", {"1": "b"}),
    ("key_int", "1: a\n", {"1": "a"}),
    ("key_true", "true: a\n", {"true": "a"}),
    ("key_yes", "yes: a\n", {"true": "a"}),
    ("key_float", "1.5: a\n", {"1.5": "a"}),
    ("key_float_exact", "0.1: a\n", {"0.1": "a"}),
    ("key_float_long", "123456789.123: a\n", {"1.2345679e+08": "a"}),
    ("key_float_exp", "1e3: a\n", {"1000": "a"}),
    ("key_inf", ".inf: a\n", {".inf": "a"}),
    (
        "key_null",
        "null: a\n",
        ERROR,
    ),  # unsupported map key of type: %!s(<nil>), key: <nil>, value: "a"
    (
        "key_tilde",
        "~: a\n",
        ERROR,
    ),  # unsupported map key of type: %!s(<nil>), key: <nil>, value: "a"
    ("key_empty", ": a\n", ERROR),  # yaml: did not find expected key
    ("key_hex", "0x10: a\n", {"16": "a"}),
    ("key_octal", "0o10: a\n", {"8": "a"}),
    ("key_bigint", "18446744073709551616: a\n", {"1.8446744e+19": "a"}),
    (
        "key_uint",
        "18446744073709551615: a\n",
        ERROR,
    ),  # unsupported map key of type: uint64, key: 0xffffffffffffffff, value: "a"
    ("key_date", "2024-01-01: a\n", {"2024-01-01": "a"}),
    ("key_seq", "[1, 2]: a\n", ERROR),  # yaml: invalid map key: []interface {}{1, 2}
    (
        "key_map",
        "{a: 1}: b\n",
        ERROR,
    ),  # yaml: invalid map key: map[interface {}]interface {}{"a":1}
    ("tab_value", "a:\tb\n", {"a": "b"}),
    (
        "tab_indent",
        "a:\n\tb: 1\n",
        ERROR,
    ),  # yaml: line 2: found character that cannot start any token
    ("tab_in_scalar", "a: x\ty\n", {"a": "x\ty"}),
    ("bom", "\ufeffa: 1\n", {"a": 1}),
    ("crlf", "a: 1\r\nb: |\r\n  x\r\n  y\r\n", {"a": 1, "b": "x\ny\n"}),
    ("doc_start", "---\na: 1\n", {"a": 1}),
    ("doc_end", "a: 1\n...\n", {"a": 1}),
    ("empty", "", None),
    ("comment_only", "# hi\n", None),
    ("top_scalar", "5\n", 5),
    ("top_seq", "- 1\n- a\n", [1, "a"]),
    ("block_literal", "a: |\n  x\n  y\n", {"a": "x\ny\n"}),
    ("block_strip", "a: |-\n  x\n", {"a": "x"}),
    ("block_keep", "a: |+\n  x\n\n", {"a": "x\n\n"}),
    ("block_folded", "a: >\n  x\n  y\n\n  z\n", {"a": "x y\nz\n"}),
    ("multi_in_single", "a: 1\n---\nb: 2\n", {"a": 1}),
    ("bad_mapping", "a: b: c\n", ERROR),  # yaml: mapping values are not allowed in this context
    ("bad_indent", "a:\n  b: 1\n c: 2\n", ERROR),  # yaml: line 2: did not find expected key
    ("unclosed", "a: [1, 2\n", ERROR),  # yaml: line 1: did not find expected ',' or ']'
    ("flow", "{a: 1, b: [x, y], c: {d: null}}\n", {"a": 1, "b": ["x", True], "c": {"d": None}}),
    ("nested_seq", "- - 1\n  - 2\n- {}\n- []\n", [[1, 2], {}, []]),
    ("set", "!!set {a, b}\n", {"a": None, "b": None}),
    ("omap", "!!omap [a: 1, b: 2]\n", [{"a": 1}, {"b": 2}]),
    ("unicode", "a: héllo ☃\n", {"a": "héllo ☃"}),
    ("surrogate_escape", 'a: "\\U0001F600"\n', {"a": "😀"}),
    ("ctrl_char", 'a: "\\x00"\n', {"a": "\x00"}),
    ("plain_multiline", "a: x\n  y\n", {"a": "x y"}),
    ("question_key", "? a\n: 1\n", {"a": 1}),
    ("yaml_directive", "%YAML 1.1\n---\na: 1\n", {"a": 1}),
    ("yaml12_directive", "%YAML 1.2\n---\na: 1\n", ERROR),  # yaml: found incompatible YAML document
    ("tag_directive", "%TAG !e! tag:example.com,2000:\n---\na: !e!foo 1\n", {"a": "1"}),
    ("float_key_int_value", "a: 1.0\nb: 2.50\n", {"a": 1, "b": 2.5}),
    ("neg_zero_float", "a: -0.0\n", {"a": 0}),
    ("seq_of_null", "- \n- ~\n", [None, None]),
    (
        "anchor_merge_nested",
        "base: &b\n  x: {y: 1}\nd:\n  <<: *b\n",
        {"base": {"x": {"true": 1}}, "d": {"x": {"true": 1}}},
    ),
    ("recursive_alias", "a: &a [*a]\n", ERROR),  # yaml: anchor 'a' value contains itself
    ("key_with_colon", "a:b: 1\n", {"a:b": 1}),
    ("url", "a: http://x:80/y\n", {"a": "http://x:80/y"}),
    ("quoted_key_num", "'1': a\n", {"1": "a"}),
    ("int_keys_order", "b: 1\na: 2\n10: 3\n9: 4\n", {"10": 3, "9": 4, "a": 2, "b": 1}),
    ('scalar:!!null "x"', 'v: !!null "x"\n', ERROR),  # yaml: cannot decode !!str `x` as a !!null
    ("scalar:!!null x", "v: !!null x\n", ERROR),  # yaml: cannot decode !!str `x` as a !!null
    ("scalar:!!null [1]", "v: !!null [1]\n", {"v": [1]}),
    ("scalar:!!str [1]", "v: !!str [1]\n", {"v": [1]}),
    ("scalar:!!map [1]", "v: !!map [1]\n", {"v": [1]}),
    ("scalar:!!seq {a: 1}", "v: !!seq {a: 1}\n", {"v": {"a": 1}}),
    ("scalar:!foo [1]", "v: !foo [1]\n", {"v": [1]}),
    ("scalar:!foo {a: 1}", "v: !foo {a: 1}\n", {"v": {"a": 1}}),
    ("scalar:! 5", "v: ! 5\n", {"v": "5"}),
    ('scalar:! "5"', 'v: ! "5"\n', {"v": "5"}),
    ("scalar:!!binary /w==", "v: !!binary /w==\n", {"v": "�"}),
    ("scalar:!!binary 4oI=", "v: !!binary 4oI=\n", {"v": "��"}),
    ('scalar:!!binary "aGVs\\nbG8="', 'v: !!binary "aGVs\\nbG8="\n', {"v": "hello"}),
    (
        "scalar:!!binary aGVsbG8",
        "v: !!binary aGVsbG8\n",
        ERROR,
    ),  # yaml: !!binary value contains invalid base64 data
    ("scalar:!!binary ''", "v: !!binary ''\n", {"v": ""}),
    ("scalar:!!bool 1", "v: !!bool 1\n", ERROR),  # yaml: cannot decode !!int `1` as a !!bool
    ("scalar:!!float .inf", "v: !!float .inf\n", ERROR),  # json: unsupported value: +Inf
    ("scalar:!!int 0x1F", "v: !!int 0x1F\n", {"v": 31}),
    ("scalar:!!float 1e3", "v: !!float 1e3\n", {"v": 1000}),
    (
        "scalar:!!int 9223372036854775808",
        "v: !!int 9223372036854775808\n",
        {"v": 9.223372036854776e18},
    ),
    (
        "scalar:!!float 18446744073709551615",
        "v: !!float 18446744073709551615\n",
        ERROR,
    ),  # yaml: cannot decode !!int `18446744073709551615` as a !!float
    (
        "scalar:!!float 9223372036854775807",
        "v: !!float 9223372036854775807\n",
        {"v": 9.223372036854776e18},
    ),
    (
        "scalar:!!timestamp 5",
        "v: !!timestamp 5\n",
        ERROR,
    ),  # yaml: cannot decode !!int `5` as a !!timestamp
    (
        "scalar:!!timestamp abc",
        "v: !!timestamp abc\n",
        ERROR,
    ),  # yaml: cannot decode !!str `abc` as a !!timestamp
    (
        "scalar:!!timestamp 2024-13-01",
        "v: !!timestamp 2024-13-01\n",
        ERROR,
    ),  # yaml: cannot decode !!str `2024-13-01` as a !!timestamp
    (
        "scalar:!!timestamp 2024-02-30",
        "v: !!timestamp 2024-02-30\n",
        ERROR,
    ),  # yaml: cannot decode !!str `2024-02-30` as a !!timestamp
    ("scalar:!!str ~", "v: !!str ~\n", {"v": "~"}),
    ("scalar:!!int ~", "v: !!int ~\n", ERROR),  # yaml: cannot decode !!null `~` as a !!int
    ("scalar:!!float ''", "v: !!float ''\n", ERROR),  # yaml: cannot decode !!null `` as a !!float
    ('scalar:!!bool ""', 'v: !!bool ""\n', ERROR),  # yaml: cannot decode !!null `` as a !!bool
    ('scalar:!!int ""', 'v: !!int ""\n', ERROR),  # yaml: cannot decode !!null `` as a !!int
    ('scalar:!!str ""', 'v: !!str ""\n', {"v": ""}),
    ('scalar:!<tag:yaml.org,2002:int> "5"', 'v: !<tag:yaml.org,2002:int> "5"\n', {"v": 5}),
    ("scalar:!!merge x", "v: !!merge x\n", {"v": "x"}),
    ("scalar:1e-400", "v: 1e-400\n", {"v": 0}),
    ("scalar:5e-324", "v: 5e-324\n", {"v": 5e-324}),
    ("scalar:1e-7", "v: 1e-7\n", {"v": 1e-07}),
    ("scalar:1e20", "v: 1e20\n", {"v": 1e20}),
    ("scalar:1e21", "v: 1e21\n", {"v": 1e21}),
    ("scalar:-1e21", "v: -1e21\n", {"v": -1e21}),
    ("scalar:0x8000000000000000", "v: 0x8000000000000000\n", {"v": 9.223372036854776e18}),
    ("scalar:0xFFFFFFFFFFFFFFFF", "v: 0xFFFFFFFFFFFFFFFF\n", {"v": 1.8446744073709552e19}),
    ("scalar:0x10000000000000000", "v: 0x10000000000000000\n", {"v": "0x10000000000000000"}),
    ("scalar:0o", "v: 0o\n", {"v": "0o"}),
    ("scalar:0b", "v: 0b\n", {"v": "0b"}),
    ("scalar:0b2", "v: 0b2\n", {"v": "0b2"}),
    ("scalar:0b-1", "v: 0b-1\n", {"v": -1}),
    ("scalar:-0b-1", "v: -0b-1\n", {"v": "-0b-1"}),
    ("scalar:1_", "v: 1_\n", {"v": 1}),
    ("scalar:+_1", "v: +_1\n", {"v": 1}),
    ("scalar:1e1_0", "v: 1e1_0\n", {"v": 10000000000}),
    ("scalar:0x1.8p1", "v: 0x1.8p1\n", {"v": "0x1.8p1"}),
    ("scalar:1.5_0", "v: 1.5_0\n", {"v": 1.5}),
    ("scalar:.5_0", "v: .5_0\n", {"v": 0.5}),
    ("scalar:-.5", "v: -.5\n", {"v": -0.5}),
    ("scalar:.5e3", "v: .5e3\n", {"v": 500}),
    ("scalar:.5E+3", "v: .5E+3\n", {"v": 500}),
    ("scalar:.e5", "v: .e5\n", {"v": ".e5"}),
    ("scalar:-.nan", "v: -.nan\n", {"v": "-.nan"}),
    ("scalar:.inF", "v: .inF\n", {"v": ".inF"}),
    ("scalar:Infinity", "v: Infinity\n", {"v": "Infinity"}),
    ("scalar:NaN", "v: NaN\n", {"v": "NaN"}),
    ("scalar:nan", "v: nan\n", {"v": "nan"}),
    ("scalar:inf", "v: inf\n", {"v": "inf"}),
    ("scalar:09.5", "v: 09.5\n", {"v": 9.5}),
    ("scalar:00", "v: 00\n", {"v": 0}),
    ("scalar:0_10", "v: 0_10\n", {"v": 8}),
    ("scalar:+0x10", "v: +0x10\n", {"v": 16}),
    ("scalar:+0b11", "v: +0b11\n", {"v": 3}),
    ("scalar:-0o10", "v: -0o10\n", {"v": -8}),
    ("scalar:+-1", "v: +-1\n", {"v": "+-1"}),
    ("scalar:1e", "v: 1e\n", {"v": "1e"}),
    ("scalar:1.", "v: 1.\n", {"v": 1}),
    ("scalar:+.5", "v: +.5\n", {"v": 0.5}),
    ("scalar:1E-1", "v: 1E-1\n", {"v": 0.1}),
    ("scalar:0e0", "v: 0e0\n", {"v": 0}),
    ("scalar:-0e0", "v: -0e0\n", {"v": 0}),
    ("scalar:0.0001", "v: 0.0001\n", {"v": 0.0001}),
    ("scalar:123abc", "v: 123abc\n", {"v": "123abc"}),
    ("scalar:1,000", "v: 1,000\n", {"v": "1,000"}),
    ("scalar:$1", "v: $1\n", {"v": "$1"}),
    ("scalar:1 2", "v: 1 2\n", {"v": "1 2"}),
    ("scalar:0x1g", "v: 0x1g\n", {"v": "0x1g"}),
    (
        "scalar:0b11111111111111111111111111111111111111111111111111111111111111111",
        "v: 0b11111111111111111111111111111111111111111111111111111111111111111\n",
        {"v": "0b11111111111111111111111111111111111111111111111111111111111111111"},
    ),
    (
        "scalar:-0b1000000000000000000000000000000000000000000000000000000000000000",
        "v: -0b1000000000000000000000000000000000000000000000000000000000000000\n",
        {"v": -9223372036854775808},
    ),
    ("scalar:2024-01-01 10:00:00", "v: 2024-01-01 10:00:00\n", {"v": "2024-01-01 10:00:00"}),
    (
        "scalar:2024-01-01T10:00:00.123456789+01:00",
        "v: 2024-01-01T10:00:00.123456789+01:00\n",
        {"v": "2024-01-01T10:00:00.123456789+01:00"},
    ),
    ("scalar:2024-01-01T10:00:00", "v: 2024-01-01T10:00:00\n", {"v": "2024-01-01T10:00:00"}),
    ("scalar:12:30", "v: 12:30\n", {"v": "12:30"}),
    ("scalar:1-2", "v: 1-2\n", {"v": "1-2"}),
    ("scalar:-1-2", "v: -1-2\n", {"v": "-1-2"}),
    ("scalar:y-1", "v: y-1\n", {"v": "y-1"}),
    ("scalar:ON_", "v: ON_\n", {"v": "ON_"}),
    ("scalar:1.0.0", "v: 1.0.0\n", {"v": "1.0.0"}),
    ("scalar:v1", "v: v1\n", {"v": "v1"}),
    ("scalar:0777", "v: 0777\n", {"v": 511}),
    ("scalar:0888", "v: 0888\n", {"v": 888}),
    ("scalar:[a:b]", "v: [a:b]\n", {"v": ["a:b"]}),
    ("scalar:{a:b}", "v: {a:b}\n", {"v": {"a:b": None}}),
    ("scalar:[a: b]", "v: [a: b]\n", {"v": [{"a": "b"}]}),
    ("scalar:{? a}", "v: {? a}\n", {"v": {"a": None}}),
    ("scalar:'x\n  y'", "v: 'x\n  y'\n", {"v": "x y"}),
    ('scalar:"x\\\n  y"', 'v: "x\\\n  y"\n', {"v": "xy"}),
    ("scalar:b\n\n  c", "v: b\n\n  c\n", {"v": "b\nc"}),
    (
        'scalar:"\\x41\\u263A\\U0001F600\\e\\0\\a\\/"',
        'v: "\\x41\\u263A\\U0001F600\\e\\0\\a\\/"\n',
        ERROR,
    ),  # yaml: found unknown escape character
    ("scalar:'\\n'", "v: '\\n'\n", {"v": "\\n"}),
    ('scalar:"\\L\\P"', 'v: "\\L\\P"\n', {"v": "\u2028\u2029"}),
    ("anchor_redef", "a: &x 1\nb: &x 2\nc: *x\n", {"a": 1, "b": 2, "c": 2}),
    ("single_bad_second", "a: 1\n---\nb: [\n", {"a": 1}),
    ("single_bad_second_scan", 'a: 1\n--- "\n', {"a": 1}),
    ("yaml10", "%YAML 1.0\n---\na: 1\n", ERROR),  # yaml: found incompatible YAML document
    ("doc_tag_map", "--- !!map\na: 1\n", {"a": 1}),
    ("key_1e39", "1e39: a\n", {".inf": "a"}),
    ("key_1e6", "1e6: a\n", {"1e+06": "a"}),
    ("key_small", "0.00001: a\n", {"1e-05": "a"}),
    ("key_negzero", "-0.0: a\n", {"-0": "a"}),
    ("key_tiny", "1e-45: a\n", {"1e-45": "a"}),
    ("key_0.1+", "0.30000000000000004: a\n", {"0.3": "a"}),
    ("key_1.1", "1.1: a\n", {"1.1": "a"}),
    ("key_3.14159265", "3.14159265: a\n", {"3.1415927": "a"}),
    ("key_16777217", "16777217.0: a\n", {"1.6777216e+07": "a"}),
    ("key_big_int", "9223372036854775807: a\n", {"9223372036854775807": "a"}),
    ("key_neg_big", "-9223372036854775809: a\n", {"-9.223372e+18": "a"}),
    ("key_false", "off: a\n", {"false": "a"}),
    ("key_binary", "!!binary aGk=: a\n", {"hi": "a"}),
    ("seq_key", "? - 1\n: x\n", ERROR),  # yaml: invalid map key: []interface {}{1}
    ("forward_alias", "a: *x\nb: &x 1\n", ERROR),  # yaml: unknown anchor 'x' referenced
    (
        "merge_alias_seq",
        "a: &a [1]\nb:\n  <<: *a\n",
        ERROR,
    ),  # yaml: map merge requires map or sequence of maps as the value
    (
        "merge_seq_of_alias_seq",
        "a: &a [1]\nb:\n  <<: [*a]\n",
        ERROR,
    ),  # yaml: map merge requires map or sequence of maps as the value
    ("merge_inline", "b:\n  <<: {x: 1}\n  z: 2\n", {"b": {"x": 1, "z": 2}}),
    (
        "merge_nested",
        "a: &a {x: 1}\nb: &b {<<: *a, q: 2}\nc:\n  <<: *b\n",
        {"a": {"x": 1}, "b": {"q": 2, "x": 1}, "c": {"q": 2, "x": 1}},
    ),
    ("merge_flow", "a: &a {x: 1}\nb: {<<: *a, z: 2}\n", {"a": {"x": 1}, "b": {"x": 1, "z": 2}}),
    ("merge_tag", "a: &a {x: 1}\nb:\n  !!merge <<: *a\n", {"a": {"x": 1}, "b": {"x": 1}}),
    (
        "merge_null",
        "b:\n  <<: ~\n",
        ERROR,
    ),  # yaml: map merge requires map or sequence of maps as the value
    (
        "merge_in_seq_of_maps_order",
        "a: &a {x: 1}\nc: &c {x: 2}\nb:\n  x: 0\n  <<: [*a, *c]\n",
        {"a": {"x": 1}, "b": {"x": 1}, "c": {"x": 2}},
    ),
    ("merge_top", "<<: {x: 1}\n", {"x": 1}),
    ("raw_ctrl", "a: \x07\n", ERROR),  # yaml: control characters are not allowed
    ("raw_nel", "a: x\x85y\n", ERROR),  # yaml: line 3: could not find expected ':'
    ("seq_no_indent", "a:\n- 1\n- 2\n", {"a": [1, 2]}),
    ("deep_flow", "a: [[[[[[1]]]]]]\n", {"a": [[[[[[1]]]]]]}),
    ("crlf_quoted", 'a: "x\r\n  y"\r\n', {"a": "x y"}),
    ("cr_only", "a: 1\rb: 2\r", {"a": 1, "b": 2}),
    (
        "tab_indent_seq",
        "a:\n  -\t1\n",
        ERROR,
    ),  # yaml: line 2: found character that cannot start any token
    ("tab_after_key_flow", "{a:\t1}\n", {"a": 1}),
    ("trailing_spaces", "a: x   \n", {"a": "x"}),
    ("comment_no_space", "a: x# y\n", {"a": "x# y"}),
    ("dash_key", "- a: 1\n  b: 2\n", [{"a": 1, "b": 2}]),
    ("empty_flow_value", "{a: , b}\n", {"a": None, "b": None}),
    ("null_in_flow_seq", "[~, null, , ]\n", ERROR),  # yaml: did not find expected node content
    (
        "bool_value_json_style",
        '{"a": true, "b": null, "c": 1.5}\n',
        {"a": True, "b": None, "c": 1.5},
    ),
    ("json_doc", '{"a": [1, 2, {"b": "c"}]}\n', {"a": [1, 2, {"b": "c"}]}),
    ("indented_doc", "  a: 1\n  b: 2\n", {"a": 1, "b": 2}),
    (
        "yaml_directive_only",
        "%YAML 1.1\n",
        ERROR,
    ),  # yaml: line 1: did not find expected <document start>
    ("doc_end_then_more", "a: 1\n...\nb: 2\n", {"a": 1}),
    ("scalar_doc_ellipsis", "--- x\n...\n", "x"),
]

MULTI: list[tuple[str, str, Any]] = [
    ("multi_basic", "a: 1\n---\nb: 2\n", [{"a": 1}, {"b": 2}]),
    ("multi_empty_docs", "---\n---\na: 1\n---\n# c\n---\n", [{"a": 1}]),
    ("multi_start_end", "---\na: 1\n...\n---\nb: 2\n", [{"a": 1}, {"b": 2}]),
    ("multi_null_doc", "a: 1\n---\nnull\n---\n~\n", [{"a": 1}]),
    ("multi_scalar_doc", "a: 1\n---\n5\n", [{"a": 1}, 5]),
    ("multi_inline_after_sep", "--- a: 1\n", ERROR),  # invalid Yaml document separator: a: 1
    ("multi_sep_comment", "a: 1\n--- # x\nb: 2\n", [{"a": 1}, {"b": 2}]),
    ("multi_indented_sep", "a: |\n  ---\n  x\n", [{"a": "---\nx\n"}]),
    ("multi_list", "- 1\n---\n- 2\n", [[1], [2]]),
    ("multi_crlf", "a: 1\r\n---\r\nb: 2\r\n", [{"a": 1}, {"b": 2}]),
    ("multi_bom", "\ufeffa: 1\n---\nb: 2\n", [{"a": 1}, {"b": 2}]),
    ("multi_dup", "a: 1\n---\na: 2\na: 3\n", [{"a": 1}, {"a": 3}]),
    (
        "multi_error_second",
        "a: 1\n---\nb: [\n",
        ERROR,
    ),  # yaml: line 1: did not find expected node content
    (
        "multi_yaml_directive",
        "%YAML 1.1\n---\na: 1\n",
        ERROR,
    ),  # yaml: line 1: did not find expected <document start>
    ("multi_dashes_more", "a: 1\n----\nb: 2\n", ERROR),  # invalid Yaml document separator: -
    ("multi_sep_trailing_space", "a: 1\n---   \nb: 2\n", [{"a": 1}, {"b": 2}]),
    ("multi_doc_tag", "a: 1\n--- !!map\nb: 2\n", ERROR),  # invalid Yaml document separator: !!map
    ("multi_only_seps", "---\n---\n", []),
    ("multi_empty", "", []),
    ("multi_ellipsis", "a: 1\n...\nb: 2\n", [{"a": 1}]),
    ("multi_scalar_after_sep", "a: 1\n--- |\n  x\n", ERROR),  # invalid Yaml document separator: |
    ("multi_sep_tab", "a: 1\n---\t\nb: 2\n", [{"a": 1}, {"b": 2}]),
    ("multi_no_newline_end", "a: 1\n---\nb: 2", [{"a": 1}, {"b": 2}]),
    ("multi_sep_at_end_no_nl", "a: 1\n---", [{"a": 1}]),
    ("multi_key_dashes", "a: ---\n", [{"a": "---"}]),
]


def same(got: Any, expected: Any) -> bool:
    """Equal, and of the same JSON type (``1`` is not ``1.0``, ``True`` is not ``1``)."""
    if type(got) is not type(expected):
        return False
    if isinstance(got, dict):
        return got.keys() == expected.keys() and all(same(got[k], expected[k]) for k in got)
    if isinstance(got, list):
        return len(got) == len(expected) and all(map(same, got, expected))
    if isinstance(got, float) and math.isnan(got):
        return math.isnan(expected)
    return bool(got == expected)


def test_the_matrix_is_large() -> None:
    assert len(SINGLE) + len(MULTI) > 60


@pytest.mark.parametrize(("name", "text", "expected"), SINGLE, ids=[c[0] for c in SINGLE])
def test_load(name: str, text: str, expected: Any) -> None:
    if expected is ERROR:
        with pytest.raises(ManifestError):
            kyaml.load(text)
        return
    got = kyaml.load(text)
    assert same(got, expected), (got, expected)
    # The same from bytes, and from a stream holding this one document.
    assert same(kyaml.load(text.encode()), expected)


@pytest.mark.parametrize(("name", "text", "expected"), MULTI, ids=[c[0] for c in MULTI])
def test_load_all(name: str, text: str, expected: Any) -> None:
    if expected is ERROR:
        with pytest.raises(ManifestError):
            kyaml.load_all(text)
        return
    got = kyaml.load_all(text)
    assert same(got, expected), (got, expected)


def test_manifest_error_names_source_line_and_column() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: b: c\n"
    with pytest.raises(ManifestError) as info:
        kyaml.load(text, source="crds.yaml")
    error = info.value
    assert isinstance(error, KubesetError) and isinstance(error, ValueError)
    assert (error.source, error.line, error.column) == ("crds.yaml", 4, 7)
    assert str(error) == "crds.yaml line 4 column 7: mapping values are not allowed in this context"
    assert error.problem == "mapping values are not allowed in this context"


def test_errors_in_later_documents_count_lines_from_the_start_of_the_stream() -> None:
    text = "a: 1\n---\nb: 2\n---\nc: [1,\n"
    with pytest.raises(ManifestError) as info:
        kyaml.load_all(text, source="many.yaml")
    assert info.value.line == 6 and str(info.value).startswith("many.yaml line 6")


def test_value_errors_point_at_the_value() -> None:
    with pytest.raises(ManifestError, match=r"^<string> line 3 column 10: unsupported value NaN"):
        kyaml.load("a: 1\nb:\n  c: [1, .nan]\n")
    with pytest.raises(ManifestError, match=r"line 2 column 3: unsupported map key: null"):
        kyaml.load("m:\n  ~: x\n")


def test_a_bad_separator_is_named() -> None:
    with pytest.raises(ManifestError, match=r"^f line 2: invalid document separator: a: 1$"):
        kyaml.load_all("x: 1\n--- a: 1\n", source="f")


def test_invalid_utf8_and_control_characters() -> None:
    with pytest.raises(ManifestError, match=r"line 2: invalid UTF-8"):
        kyaml.load(b"a: 1\nb: \xff\n")
    with pytest.raises(ManifestError, match=r"line 2: control characters are not allowed"):
        kyaml.load("a: 1\nb: \x07\n")


def test_utf16_with_a_byte_order_mark() -> None:
    text = "a: héllo\n"
    assert kyaml.load("\ufeff".encode("utf-16-le") + text.encode("utf-16-le")) == {"a": "héllo"}
    assert kyaml.load("\ufeff".encode("utf-16-be") + text.encode("utf-16-be")) == {"a": "héllo"}


def test_aliases_expand_to_copies() -> None:
    data = kyaml.load("a: &x {k: [1]}\nb: *x\n")
    data["a"]["k"].append(2)
    assert data["b"] == {"k": [1]}


def test_billion_laughs_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    with pytest.raises(ManifestError, match="excessive aliasing"):
        kyaml.load("\n".join(lines) + "\n")


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    """Kubernetes refuses more than 10000 levels; kubeset (libyaml) more than 1000."""
    with pytest.raises(ManifestError, match=r"nesting depth|nested too deeply"):
        kyaml.load("[" * 100_000 + "]" * 100_000)
    assert kyaml.load("[" * 999 + "]" * 999) is not None


def test_an_enum_of_equals_signs_loads() -> None:
    """The CRDs of a widely used monitoring operator hold ``enum: [=, "!=", =~, "!~"]``-style
    lists (label matchers); PyYAML's safe loader cannot read a plain ``=``."""
    text = (
        "apiVersion: apiextensions.k8s.io/v1\n"
        "kind: CustomResourceDefinition\n"
        "spec:\n"
        "  versions:\n"
        "  - name: v1\n"
        "    schema:\n"
        "      openAPIV3Schema:\n"
        "        properties:\n"
        "          matchType:\n"
        "            enum:\n"
        "            - '!='\n"
        "            - =\n"
        "            - =~\n"
        "            - '!~'\n"
        "            type: string\n"
    )
    (crd,) = kyaml.load_all(text)
    schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    assert schema["properties"]["matchType"]["enum"] == ["!=", "=", "=~", "!~"]


def test_crd_manifest_with_equals_enum_goes_through_clientgen(tmp_path: Path) -> None:
    from clientgen.sources import load_crd_documents

    crd = tmp_path / "matchers.yaml"
    crd.write_text(
        "apiVersion: apiextensions.k8s.io/v1\n"
        "kind: CustomResourceDefinition\n"
        "metadata: {name: matchers.example.com}\n"
        "spec:\n"
        "  group: example.com\n"
        "  names: {kind: Matcher, plural: matchers}\n"
        "  scope: Namespaced\n"
        "  versions:\n"
        "  - name: v1\n"
        "    served: true\n"
        "    storage: true\n"
        "    schema:\n"
        "      openAPIV3Schema:\n"
        "        type: object\n"
        "        properties:\n"
        "          matchType: {type: string, enum: [=, '!=', =~, '!~']}\n"
        "          since: {type: string, enum: [2024-01-01, 1:20, 0o10, yes]}\n"
    )
    ((doc, _where),) = load_crd_documents([str(crd)])
    props = doc["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]
    assert props["matchType"]["enum"] == ["=", "!=", "=~", "!~"]
    assert props["since"]["enum"] == ["2024-01-01", "1:20", 8, True]


CORPUS_FILES = sorted((CORPUS / "crds").rglob("*.yaml"))


@pytest.mark.parametrize(
    "path", CORPUS_FILES, ids=[p.parent.name + "/" + p.name for p in CORPUS_FILES]
)
def test_corpus_crds_load(path: Path) -> None:
    docs = kyaml.load_all(path.read_bytes(), source=str(path))
    assert docs and all(d["kind"] == "CustomResourceDefinition" for d in docs)


@pytest.mark.parametrize(
    "value",
    [
        "n",
        "N",
        "y",
        "on",
        "Off",
        "yes",
        "0o10",
        "010",
        "0x1A",
        "1e3",
        "1_000",
        "",
        "~",
        "null",
        "2024-01-01",
        "1:20",
        "=",
        "x: y",
        "- a",
        "multi\nline",
        "plain",
        "<<",
        ".inf",
        "'q'",
    ],
)
def test_dump_writes_strings_that_read_back_as_strings(value: str) -> None:
    """What kubeset writes back (a kubeconfig after a token refresh) means the same to
    Kubernetes: PyYAML's own dumper leaves ``n`` or ``0o10`` plain, which read as false and 8."""
    data = {"users": [{"name": "u", "user": {"token": value}}], "n": [value, 5, True, None]}
    assert kyaml.load(kyaml.dump(data)) == data
