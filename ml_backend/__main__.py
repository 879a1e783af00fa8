"""``python -m ml_backend [--port 9090] [--host 127.0.0.1]``: the server for development
(production runs it under gunicorn: ``gunicorn 'ml_backend.server:create_app()'``)."""
import argparse

from .server import create_app


def main():
    parser = argparse.ArgumentParser(description="Label.Art ML backend (Label Studio protocol)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9090)
    args = parser.parse_args()
    create_app().run(host=args.host, port=args.port, threaded=True)


if __name__ == "__main__":
    main()
