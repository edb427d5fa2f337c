"""The page reader itself: what it runs and compares, so that a wrong page cannot pass."""

from __future__ import annotations

from .console import Command, File, matches, normalise, steps

PAGE = """\
Some prose.

<!-- file: reconcile.yaml
version: 1
-->
<!-- console
$ git init -q
-->

```yaml file=specs/a.yaml
subjects: {}
```

```sh
not run
```

````console
$ reconcile validate
OK: ...
$ reconcile plan --detailed-exitcode   # exit 2: changes
Plan: 1 to register
```diff
+ x
```

$ reconcile apply \\
>   --auto-approve
````
"""


def test_a_page_reads_as_files_and_commands_in_order() -> None:
    assert steps(PAGE) == [
        File(3, "reconcile.yaml", "version: 1\n"),
        Command(7, "git init -q", None, 0),
        File(10, "specs/a.yaml", "subjects: {}\n"),
        Command(19, "reconcile validate", "OK: ...", 0),
        Command(
            21,
            "reconcile plan --detailed-exitcode   # exit 2: changes",
            "Plan: 1 to register\n```diff\n+ x\n```",
            2,
        ),
        Command(27, "reconcile apply  --auto-approve", None, 0),
    ]


def test_output_must_match_except_where_the_page_elides() -> None:
    assert matches("OK: ...", "OK: 1 spec file, 1 subject")
    assert matches("a\n...\nz", "a\nb\nc\nz")
    assert not matches("OK: 1 spec file", "OK: 2 spec files")
    assert not matches("a\nz", "a\nb\nz")
    assert not matches("OK", "OK\nand more")


def test_normalise_makes_paths_relative_and_drops_trailing_space() -> None:
    out = normalise("wrote /tmp/x/specs/a.yaml  \n\n", {"/tmp/x/": ""})
    assert out == "wrote specs/a.yaml"
