"""The README's marked code blocks, so that tests paste what users paste.

A block is marked by an HTML comment on the line before its fence::

    <!-- recipe:settings -->
    ```python
    ...
    ```
"""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
MARKED_BLOCK = re.compile(r"^<!-- (?P<name>[\w:-]+) -->\n```[\w-]*\n(?P<body>.*?)^```$", re.M | re.S)


def block(name: str) -> str:
    """The text of the README block marked ``<!-- name -->``."""
    found = [m["body"] for m in MARKED_BLOCK.finditer(README.read_text()) if m["name"] == name]
    assert len(found) == 1, f"README.md must hold exactly one block marked <!-- {name} -->, not {len(found)}"
    return found[0]
