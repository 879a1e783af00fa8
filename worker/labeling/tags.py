"""The labeling-config tag vocabulary (Label Studio's, plus Label.Art's music tags).

Other modules extend these sets by registering tags here, not by special-casing the parser.
"""

# Tags bound to task data with value="$field".
OBJECT_TAGS = {
    "Image", "Audio", "AudioPlus", "Video", "Text", "HyperText", "Paragraphs", "TimeSeries", "Table",
    "List", "Ranker", "PianoRoll",
}

# Tags that produce results; each points at object tags with toName.
CONTROL_TAGS = {
    "Choices", "Labels", "RectangleLabels", "Rectangle", "PolygonLabels", "Polygon", "KeyPointLabels",
    "KeyPoint", "EllipseLabels", "Ellipse", "BrushLabels", "Brush", "TextArea", "Rating", "Number",
    "DateTime", "Taxonomy", "Pairwise", "TimeSeriesLabels", "VideoRectangle", "ParagraphLabels",
    "HyperTextLabels", "MagicWand", "BitmaskLabels", "Bitmask",
    "NoteLabels", "Fretboard", "ChordLabels", "Beats",
}

# Controls whose results need no toName (relations between regions).
FREE_CONTROL_TAGS = {"Relations"}

# Children that carry a value (a label name).
VALUE_TAGS = {"Choice", "Label", "Relation", "Path"}

# Layout and decoration.
VISUAL_TAGS = {"View", "Header", "Style", "Filter", "Collapse", "Shortcut", "Char", "Repeater"}

# Result "type" for each control: its lower-cased tag, as Label Studio writes it.
def result_type(tag):
    return tag.lower()


# Result types whose value lists label names under value[type].
LABEL_LIST_TYPES = {
    "choices", "labels", "rectanglelabels", "polygonlabels", "keypointlabels", "ellipselabels",
    "brushlabels", "timeserieslabels", "paragraphlabels", "hypertextlabels", "bitmasklabels",
    "notelabels", "chordlabels",
}

ALL_TAGS = OBJECT_TAGS | CONTROL_TAGS | FREE_CONTROL_TAGS | VALUE_TAGS | VISUAL_TAGS
