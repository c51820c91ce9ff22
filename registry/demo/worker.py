"""``python -m registry.demo.worker ARGS``: the child process of ``stream.texts_in_worker``.

ARGS is the JSON of the ``texts`` arguments; for each passport the child writes
``"{bytes} {iri}\n"`` and the text to its stdout.
"""

from __future__ import annotations

import json
import sys

from registry.demo.stream import texts


def main() -> None:
    """Entry point of the child process of ``texts_in_worker``."""
    params = json.loads(sys.argv[1])
    out = sys.stdout.buffer
    for iri, text in texts(**params):
        data = text.encode()
        out.write(b"%d %s\n" % (len(data), iri.encode()))
        out.write(data)
    out.flush()


if __name__ == "__main__":
    main()
