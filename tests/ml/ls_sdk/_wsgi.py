"""Label Studio's stock _wsgi.py shape: ``init_app(model_class=...)`` and Flask's server."""
import sys

from label_studio_ml.api import init_app

from model import WidthModel

app = init_app(model_class=WidthModel)

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(sys.argv[1]), threaded=True)
