"""The bundled models, by name. Each module holds one model class."""
from .audio_classifier import AudioClassifier
from .audio_segmenter import AudioSegmenter
from .detector import BoxDetector
from .image_classifier import ImageClassifier
from .interactive import ClickSegmenter
from .keypoints import KeypointDetector
from .segmenter import ShapeSegmenter
from .text_classifier import TextClassifier
from .beats import BeatTracker
from .chords import ChordRecognizer
from .notes import NoteTranscriber

#: name -> class, in the order the UI lists them.
MODELS = {cls.name: cls for cls in (ImageClassifier, BoxDetector, ShapeSegmenter, KeypointDetector, ClickSegmenter,
                                    AudioClassifier, AudioSegmenter, TextClassifier,
                                    ChordRecognizer, NoteTranscriber, BeatTracker)}


def get(name):
    """The model class called ``name``. Raises KeyError naming the choices."""
    try:
        return MODELS[name]
    except KeyError:
        raise KeyError(f"no bundled model {name!r}; choose from {', '.join(MODELS)}") from None


def matching(label_config):
    """The bundled models that can serve ``label_config``."""
    return [cls for cls in MODELS.values() if cls.serves(label_config)]
