"""The template gallery: working Label Studio Frontend 1.8.0 configs, each with sample data.

``GALLERY`` feeds the "create project" page (live preview with the sample task);
``TEMPLATES`` (name -> config) feeds `labelart create-project --template NAME`.
Sample media live under worker/static/samples/ (tests/browser/make_samples.py makes them).
"""
from dataclasses import dataclass, field

from . import tags as T

# <TimeSeries> lists its columns in <Channel> children, which the parser's vocabulary
# lacks; registered here, the way tags.py asks other modules to extend it.
for _tag in ("Channel",):
    T.VISUAL_TAGS.add(_tag)
    T.ALL_TAGS.add(_tag)

SAMPLE_IMAGE = "/static/samples/shapes.png"
SAMPLE_AUDIO = "/static/samples/tones.wav"
SAMPLE_VIDEO = "/static/samples/ball.webm"
SAMPLE_TEXT = ("Ada Lovelace worked with Charles Babbage in London on the Analytical Engine, "
               "which the Science Museum later rebuilt in part.")
SHAPES = '<Label value="circle" background="#e6194b"/><Label value="square" background="#3cb44b"/>' \
         '<Label value="triangle" background="#4363d8"/>'


@dataclass(frozen=True)
class Template:
    name: str
    title: str
    group: str
    config: str
    sample: dict = field(default_factory=dict)


def _ts_sample(n=120):
    import math

    time = [round(i * 0.1, 2) for i in range(n)]
    return {"time": time,
            "velocity": [round(math.sin(t) * (2 if 4 < t < 8 else 0.5) + 0.1 * math.cos(7 * t), 4) for t in time],
            "acceleration": [round(math.cos(t) * (2 if 4 < t < 8 else 0.5), 4) for t in time]}


GALLERY = [
    Template("image-classification", "Image classification", "Computer vision", """<View>
  <Image name="image" value="$image"/>
  <Choices name="choice" toName="image" choice="single-radio">
    <Choice value="circle"/><Choice value="square"/><Choice value="triangle"/>
  </Choices>
</View>""", {"image": SAMPLE_IMAGE}),
    Template("image-bbox", "Object detection (bounding boxes)", "Computer vision", f"""<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image">
    {SHAPES}
  </RectangleLabels>
</View>""", {"image": SAMPLE_IMAGE}),
    Template("image-polygons", "Polygon segmentation", "Computer vision", f"""<View>
  <Image name="image" value="$image"/>
  <PolygonLabels name="label" toName="image" strokeWidth="2" pointSize="small" opacity="0.5">
    {SHAPES}
  </PolygonLabels>
</View>""", {"image": SAMPLE_IMAGE}),
    Template("image-keypoints", "Keypoints", "Computer vision", f"""<View>
  <Image name="image" value="$image"/>
  <KeyPointLabels name="label" toName="image" strokeWidth="2">
    {SHAPES}
  </KeyPointLabels>
</View>""", {"image": SAMPLE_IMAGE}),
    Template("image-ellipses", "Ellipses", "Computer vision", f"""<View>
  <Image name="image" value="$image"/>
  <EllipseLabels name="label" toName="image">
    {SHAPES}
  </EllipseLabels>
</View>""", {"image": SAMPLE_IMAGE}),
    Template("image-brush", "Brush segmentation", "Computer vision", f"""<View>
  <Image name="image" value="$image"/>
  <BrushLabels name="label" toName="image">
    {SHAPES}
  </BrushLabels>
</View>""", {"image": SAMPLE_IMAGE}),
    Template("audio-classification", "Audio classification", "Audio", """<View>
  <Audio name="audio" value="$audio"/>
  <Choices name="chord" toName="audio">
    <Choice value="tone"/><Choice value="major"/><Choice value="minor"/>
  </Choices>
</View>""", {"audio": SAMPLE_AUDIO}),
    Template("speaker-segmentation", "Speaker segmentation", "Audio", """<View>
  <Labels name="speaker" toName="audio">
    <Label value="Speaker 1" background="#e6194b"/><Label value="Speaker 2" background="#4363d8"/>
  </Labels>
  <AudioPlus name="audio" value="$audio"/>
  <View visibleWhen="region-selected">
    <Header value="Transcription of the selected region"/>
    <TextArea name="transcription" toName="audio" perRegion="true" rows="2" editable="true"/>
  </View>
</View>""", {"audio": SAMPLE_AUDIO}),
    Template("audio-transcription", "Audio transcription", "Audio", """<View>
  <AudioPlus name="audio" value="$audio"/>
  <TextArea name="transcription" toName="audio" rows="4" editable="true" maxSubmissions="1"
            placeholder="Type what you hear"/>
</View>""", {"audio": SAMPLE_AUDIO}),
    Template("audio-segmentation", "Audio segmentation", "Audio", """<View>
  <Labels name="label" toName="audio">
    <Label value="tone"/><Label value="major"/><Label value="minor"/>
  </Labels>
  <AudioPlus name="audio" value="$audio"/>
</View>""", {"audio": SAMPLE_AUDIO}),
    Template("video-classification", "Video classification", "Video", """<View>
  <Video name="video" value="$video"/>
  <Choices name="motion" toName="video" choice="single-radio">
    <Choice value="left to right"/><Choice value="right to left"/><Choice value="still"/>
  </Choices>
</View>""", {"video": SAMPLE_VIDEO}),
    Template("video-timeline", "Video timeline segmentation", "Video", """<View>
  <Header value="Label segments on the timeline; the video follows the waveform"/>
  <Video name="video" value="$video" sync="audio"/>
  <Labels name="segment" toName="audio">
    <Label value="sound" background="#f58231"/><Label value="silence" background="#911eb4"/>
  </Labels>
  <AudioPlus name="audio" value="$video" sync="video" speed="false"/>
</View>""", {"video": SAMPLE_VIDEO}),
    Template("video-tracking", "Video object tracking", "Video", """<View>
  <Header value="Draw a box around the ball, then move it on later frames: the frames between keyframes are interpolated"/>
  <Labels name="videoLabels" toName="video" allowEmpty="true">
    <Label value="ball" background="#f4b400"/><Label value="caption" background="#4363d8"/>
  </Labels>
  <Video name="video" value="$video" framerate="25.0"/>
  <VideoRectangle name="box" toName="video"/>
</View>""", {"video": SAMPLE_VIDEO}),
    Template("text-classification", "Text classification", "Natural language", """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single">
    <Choice value="positive"/><Choice value="negative"/><Choice value="neutral"/>
  </Choices>
</View>""", {"text": "What a wonderful little museum; I would happily visit again."}),
    Template("ner", "Named entities with relations", "Natural language", """<View>
  <Relations name="relations">
    <Relation value="works with"/><Relation value="located in"/><Relation value="built"/>
  </Relations>
  <Labels name="label" toName="text">
    <Label value="PER" background="#e6194b"/><Label value="ORG" background="#3cb44b"/>
    <Label value="LOC" background="#4363d8"/><Label value="MISC" background="#f58231"/>
  </Labels>
  <Text name="text" value="$text"/>
</View>""", {"text": SAMPLE_TEXT}),
    Template("timeseries-segmentation", "Time series segmentation", "Time series", """<View>
  <TimeSeriesLabels name="label" toName="ts">
    <Label value="Run" background="#e6194b"/><Label value="Walk" background="#4363d8"/>
  </TimeSeriesLabels>
  <TimeSeries name="ts" value="$ts" valueType="json" timeColumn="time">
    <Channel column="velocity" strokeColor="#1f77b4"/>
    <Channel column="acceleration" strokeColor="#ff7f0e"/>
  </TimeSeries>
</View>""", {"ts": _ts_sample()}),
]

TEMPLATES = {t.name: t.config for t in GALLERY}
BY_NAME = {t.name: t for t in GALLERY}

# Sample values for a custom config's object tags, keyed by tag, for the live preview.
SAMPLE_BY_TAG = {
    "Image": SAMPLE_IMAGE, "Audio": SAMPLE_AUDIO, "AudioPlus": SAMPLE_AUDIO, "Video": SAMPLE_VIDEO,
    "Text": SAMPLE_TEXT, "HyperText": SAMPLE_TEXT, "TimeSeries": _ts_sample(),
}
