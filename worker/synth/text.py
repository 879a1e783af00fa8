"""Small text tasks in bulk, for import benchmarks: short reviews with a known sentiment.

One ``random.Random`` drives the whole stream (numpy's per-call overhead would dominate
at millions of tiny tasks); the same seed and count give the same file.
"""
import random

from . import result_id

SENTIMENTS = ("positive", "negative", "neutral")
SUBJECTS = ("The melody", "This drawing", "The bass line", "Her sketch", "The colour palette", "The chorus",
            "This portrait", "The rhythm", "His linework", "The mix", "The lighting", "The harmony")
VERBS = {"positive": ("is wonderful", "feels alive", "works beautifully", "is a delight", "really shines"),
         "negative": ("is muddy", "falls flat", "feels rushed", "is hard to follow", "sounds off"),
         "neutral": ("is in four parts", "was made last week", "uses two colours", "is in C", "is unfinished")}
TAILS = ("", " in the second half", " on the small screen", " after the bridge", " near the edges",
         " compared to the first draft", " at this tempo", " in daylight")

LABEL_CONFIG = ('<View>\n  <Text name="text" value="$text"/>\n'
                '  <Choices name="sentiment" toName="text" choice="single" showInline="true">\n'
                + "".join(f'    <Choice value="{s}"/>\n' for s in SENTIMENTS) + '  </Choices>\n</View>\n')


def iter_tasks(seed, count, annotated=0.0):
    """Yield ``count`` tasks; a fraction ``annotated`` of them carries its sentiment as an annotation."""
    rng = random.Random(seed)
    for index in range(count):
        sentiment = SENTIMENTS[rng.randrange(3)]
        text = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS[sentiment])}{rng.choice(TAILS)}."
        task = {"data": {"text": text, "ref": index}, "meta": {"sentiment": sentiment}}
        if annotated and rng.random() < annotated:
            task["annotations"] = [{"result": [{
                "id": result_id(index, 0), "from_name": "sentiment", "to_name": "text", "type": "choices",
                "value": {"choices": [sentiment]}}], "ground_truth": True}]
        yield task
