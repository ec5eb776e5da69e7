"""``python -m service [--port N]``: development server (production uses gunicorn).

``python -m service analyze FILE``: read a text offline, as ``POST /v1/analyze`` does.
"""

import argparse
import os
import sys

if sys.argv[1:2] == ["analyze"]:
    from .analyze_cli import main

    sys.exit(main(sys.argv[2:]))

from . import create_app

parser = argparse.ArgumentParser(prog="python -m service", epilog="python -m service analyze FILE: see --help there")
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
args = parser.parse_args()
create_app().run(host=args.host, port=args.port, debug=False)
