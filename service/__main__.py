"""Development server: ``python -m service [--port N]``. Production uses gunicorn."""

import argparse
import os

from . import create_app

parser = argparse.ArgumentParser(prog="python -m service")
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
args = parser.parse_args()
create_app().run(host=args.host, port=args.port, debug=False)
