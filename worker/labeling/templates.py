"""Built-in labeling configs for `labelart create-project --template NAME`."""

TEMPLATES = {
    "image-bbox": """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image">
    <Label value="circle"/><Label value="square"/><Label value="triangle"/>
  </RectangleLabels>
</View>""",
    "image-classification": """<View>
  <Image name="image" value="$image"/>
  <Choices name="choice" toName="image">
    <Choice value="circle"/><Choice value="square"/><Choice value="triangle"/>
  </Choices>
</View>""",
    "text-classification": """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single">
    <Choice value="positive"/><Choice value="negative"/><Choice value="neutral"/>
  </Choices>
</View>""",
    "ner": """<View>
  <Labels name="label" toName="text">
    <Label value="PER"/><Label value="ORG"/><Label value="LOC"/><Label value="MISC"/>
  </Labels>
  <Text name="text" value="$text"/>
</View>""",
    "audio-classification": """<View>
  <Audio name="audio" value="$audio"/>
  <Choices name="chord" toName="audio">
    <Choice value="tone"/><Choice value="major"/><Choice value="minor"/>
  </Choices>
</View>""",
    "audio-segmentation": """<View>
  <Labels name="label" toName="audio">
    <Label value="tone"/><Label value="major"/><Label value="minor"/>
  </Labels>
  <AudioPlus name="audio" value="$audio"/>
</View>""",
}
