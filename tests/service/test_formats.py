"""Export writers: each output is parsed back and checked value by value.

The writers are called directly with Label Studio export task dicts and a parsed config.
"""
import csv
import io
import itertools
import json
import xml.etree.ElementTree as ET
import zipfile

import pytest

from worker.errors import ValidationError
from worker.formats import WRITER_MODULES, writer
from worker.labeling.config import parse_config

IMAGE_CONFIG = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="box" toName="image">
    <Label value="Dog"/><Label value="Cat"/><Label value="Bird"/>
  </RectangleLabels>
  <PolygonLabels name="poly" toName="image">
    <Label value="Cat"/><Label value="Tree"/>
  </PolygonLabels>
  <Choices name="quality" toName="image"><Choice value="good"/><Choice value="blurry"/></Choices>
</View>"""

TEXT_CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Labels name="ner" toName="text"><Label value="PER"/><Label value="LOC"/></Labels>
  <Choices name="topic" toName="text" choice="multiple">
    <Choice value="news"/><Choice value="sport"/><Choice value="art"/>
  </Choices>
  <TextArea name="note" toName="text"/>
</View>"""

TRICKY = 'Zoë said, "hi"\nthen left; 100% ✓'


def project(config):
    return {"id": 7, "title": "Shapes", "label_config": config}


def annotation(ann_id, result, user=1, **fields):
    base = {"id": ann_id, "result": result, "completed_by": user, "was_cancelled": False,
            "ground_truth": False, "created_at": f"2024-05-0{ann_id % 9 + 1}T10:00:00Z",
            "updated_at": f"2024-05-0{ann_id % 9 + 1}T10:05:00Z", "lead_time": 12.5}
    base.update(fields)
    return base


def box(label, x, y, w, h, rotation=0, width=800, height=600, name="box"):
    return {"id": f"r{label}{x}", "from_name": name, "to_name": "image", "type": "rectanglelabels",
            "original_width": width, "original_height": height, "image_rotation": 0,
            "value": {"x": x, "y": y, "width": w, "height": h, "rotation": rotation, "rectanglelabels": [label]}}


def polygon(label, points, width=800, height=600):
    return {"id": "p1", "from_name": "poly", "to_name": "image", "type": "polygonlabels",
            "original_width": width, "original_height": height,
            "value": {"points": points, "polygonlabels": [label]}}


def choice(name, *values):
    return {"id": f"c{name}", "from_name": name, "to_name": "text" if name == "topic" else "image",
            "type": "choices", "value": {"choices": list(values)}}


def span(start, end, text, label):
    return {"id": f"s{start}", "from_name": "ner", "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, "text": text, "labels": [label]}}


def text_tasks():
    """A task with two annotators and a cancelled annotation, and one task without annotations."""
    text = "Barack Obama visited Paris."
    first = annotation(1, [span(0, 12, "Barack Obama", "PER"), span(21, 26, "Paris", "LOC"),
                           choice("topic", "news"),
                           {"id": "n", "from_name": "note", "to_name": "text", "type": "textarea",
                            "value": {"text": ["checked ✓"]}}], user=3)
    second = annotation(2, [span(21, 26, "Paris", "LOC"), choice("topic", "news", "art")],
                        user={"id": 4, "email": "ann@example.org"})
    cancelled = annotation(3, [span(0, 6, "Barack", "LOC")], user=5, was_cancelled=True)
    return [
        {"id": 10, "data": {"text": text, "meta_info": {"source": "wire, AP"}},
         "annotations": [first, second, cancelled], "predictions": []},
        {"id": 11, "data": {"text": TRICKY, "meta_info": None}, "annotations": [], "predictions": []},
    ]


def image_tasks():
    return [
        {"id": 20, "data": {"image": "/data/upload/7/5b1e-dog park.jpg"}, "annotations": [
            annotation(1, [box("Dog", 10, 20, 30, 40), polygon("Tree", [[10, 10], [50, 10], [50, 60]]),
                           choice("quality", "good")], user=3),
            annotation(2, [box("Cat", 0, 0, 50, 50)], user=4, was_cancelled=True),
        ]},
        {"id": 21, "data": {"image": "https://cdn.example.org/imgs/cat.png?sig=a/b&x=1"}, "annotations": [
            annotation(3, [box("Cat", 50, 50, 25, 25, width=1000, height=500)], user=3),
            annotation(4, [box("Bird", 0, 0, 10, 10, width=1000, height=500)], user=4, ground_truth=True),
        ]},
        {"id": 22, "data": {"image": "/data/local-files/?d=photos/dog%20park.jpg"}, "annotations": []},
    ]


def run(fmt, tasks, config_xml):
    return b"".join(writer(fmt).write(iter(tasks), parse_config(config_xml), project(config_xml)))


def unzip(data):
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        return {name: zf.read(name) for name in zf.namelist()}


def test_every_registered_writer_has_the_interface():
    for name in WRITER_MODULES:
        if name == "JSON":
            continue  # written elsewhere
        module = writer(name)
        assert module.NAME == name and module.EXT and module.MIMETYPE
        assert callable(module.check) and callable(module.write)


# JSON_MIN ------------------------------------------------------------------------------------

def test_json_min_flat_records_per_annotation():
    records = json.loads(run("JSON_MIN", text_tasks(), TEXT_CONFIG))
    assert [(r["id"], r["annotation_id"]) for r in records] == [(10, 2), (10, 1), (11, None)]
    newest, oldest, bare = records
    assert newest["annotator"] == "ann@example.org" and oldest["annotator"] == 3
    assert oldest["topic"] == "news" and oldest["note"] == "checked ✓"
    assert newest["topic"] == {"choices": ["news", "art"]}
    assert oldest["ner"] == [{"start": 0, "end": 12, "text": "Barack Obama", "labels": ["PER"]},
                             {"start": 21, "end": 26, "text": "Paris", "labels": ["LOC"]}]
    assert oldest["meta_info"] == {"source": "wire, AP"} and oldest["text"] == "Barack Obama visited Paris."
    assert oldest["created_at"] == "2024-05-02T10:00:00Z" and oldest["lead_time"] == 12.5
    assert bare["text"] == TRICKY and "ner" not in bare and bare["annotator"] is None


def test_json_min_keeps_image_size_in_region_values():
    records = json.loads(run("JSON_MIN", image_tasks()[:1], IMAGE_CONFIG))
    assert len(records) == 1  # the cancelled annotation is skipped
    assert records[0]["box"] == [{"x": 10, "y": 20, "width": 30, "height": 40, "rotation": 0,
                                  "rectanglelabels": ["Dog"], "original_width": 800, "original_height": 600}]
    assert records[0]["quality"] == "good"


# CSV / TSV -----------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt, delimiter", [("CSV", ","), ("TSV", "\t")])
def test_table_rows_and_quoting(fmt, delimiter):
    data = run(fmt, text_tasks(), TEXT_CONFIG).decode()
    rows = list(csv.reader(io.StringIO(data), delimiter=delimiter))
    header, body = rows[0], rows[1:]
    assert header == ["text", "meta_info", "id", "ner", "topic", "note",
                      "annotator", "annotation_id", "created_at", "updated_at", "lead_time"]
    table = [dict(zip(header, r)) for r in body]
    assert [(r["id"], r["annotation_id"]) for r in table] == [("10", "2"), ("10", "1"), ("11", "")]
    newest, oldest, bare = table
    assert oldest["topic"] == "news" and oldest["note"] == "checked ✓" and oldest["annotator"] == "3"
    assert json.loads(newest["topic"]) == {"choices": ["news", "art"]}
    assert json.loads(oldest["ner"])[1] == {"start": 21, "end": 26, "text": "Paris", "labels": ["LOC"]}
    assert json.loads(oldest["meta_info"]) == {"source": "wire, AP"}
    assert newest["annotator"] == "ann@example.org" and oldest["lead_time"] == "12.5"
    assert bare["text"] == TRICKY and bare["ner"] == bare["topic"] == bare["annotator"] == ""


def test_csv_quotes_strings_not_numbers():
    lines = run("CSV", text_tasks(), TEXT_CONFIG).decode().split("\r\n")
    assert lines[0].startswith('"text","meta_info","id"')
    assert ',10,"' in lines[1] and lines[1].endswith(",12.5")
    assert '"Zoë said, ""hi""' in run("CSV", text_tasks()[1:], TEXT_CONFIG).decode()


def test_csv_header_only_without_tasks():
    rows = list(csv.reader(io.StringIO(run("CSV", [], TEXT_CONFIG).decode())))
    assert rows == [["text", "id", "ner", "topic", "note", *"annotator annotation_id created_at updated_at lead_time".split()]]


# COCO ----------------------------------------------------------------------------------------

def test_coco_pixels_polygons_and_categories():
    doc = json.loads(run("COCO", image_tasks(), IMAGE_CONFIG))
    assert set(doc) == {"images", "categories", "annotations", "info"}
    assert doc["categories"] == [{"id": 0, "name": "Bird"}, {"id": 1, "name": "Cat"},
                                 {"id": 2, "name": "Dog"}, {"id": 3, "name": "Tree"}]
    assert doc["images"] == [
        {"width": 800, "height": 600, "id": 0, "file_name": "/data/upload/7/5b1e-dog park.jpg"},
        {"width": 1000, "height": 500, "id": 1, "file_name": "https://cdn.example.org/imgs/cat.png?sig=a/b&x=1"},
        {"width": None, "height": None, "id": 2, "file_name": "/data/local-files/?d=photos/dog%20park.jpg"},
    ]
    dog, tree, bird = doc["annotations"]
    assert dog == {"id": 0, "image_id": 0, "category_id": 2, "segmentation": [],
                   "bbox": [80.0, 120.0, 240.0, 240.0], "ignore": 0, "iscrowd": 0, "area": 57600.0}
    assert tree["segmentation"] == [[80.0, 60.0, 400.0, 60.0, 400.0, 360.0]]
    assert tree["bbox"] == [80.0, 60.0, 320.0, 300.0] and tree["area"] == pytest.approx(48000.0)
    assert tree["category_id"] == 3
    # task 21: the ground-truth annotation is exported, not the newer one
    assert bird["image_id"] == 1 and bird["category_id"] == 0 and bird["bbox"] == [0.0, 0.0, 100.0, 50.0]
    assert doc["info"]["version"] == "1.0"


def test_coco_rotated_box_becomes_upright_box_and_new_labels_get_categories():
    task = {"id": 1, "data": {"image": "a.jpg"}, "annotations": [
        annotation(1, [box("Dog", 10, 10, 20, 10, rotation=90, width=100, height=100),
                       box("Horse", 0, 0, 10, 10, width=100, height=100)])]}
    doc = json.loads(run("COCO", [task], IMAGE_CONFIG))
    rotated, horse = doc["annotations"]
    assert rotated["bbox"] == pytest.approx([0.0, 10.0, 10.0, 20.0])
    assert {"id": 4, "name": "Horse"} in doc["categories"] and horse["category_id"] == 4


def test_coco_category_attribute_fixes_ids():
    config = IMAGE_CONFIG.replace('<Label value="Cat"/><Label value="Bird"/>',
                                  '<Label value="Cat" category="5"/><Label value="Bird"/>', 1)
    doc = json.loads(run("COCO", [], config))
    assert {c["name"]: c["id"] for c in doc["categories"]} == {"Cat": 5, "Bird": 0, "Dog": 1, "Tree": 2}


# YOLO ----------------------------------------------------------------------------------------

def test_yolo_zip_labels_classes_and_notes():
    files = unzip(run("YOLO", image_tasks(), IMAGE_CONFIG))
    assert set(files) == {"labels/5b1e-dog park.txt", "labels/cat.txt", "labels/dog park.txt",
                          "classes.txt", "notes.json"}
    assert files["classes.txt"].decode() == "Bird\nCat\nDog\nTree\n"
    assert json.loads(files["notes.json"])["categories"][3] == {"id": 3, "name": "Tree"}
    dog_box, tree_poly = files["labels/5b1e-dog park.txt"].decode().splitlines()
    cls, *nums = dog_box.split()
    assert cls == "2" and [float(n) for n in nums] == pytest.approx([0.25, 0.4, 0.3, 0.4])
    cls, *nums = tree_poly.split()
    assert cls == "3" and [float(n) for n in nums] == pytest.approx([0.1, 0.1, 0.5, 0.1, 0.5, 0.6])
    assert files["labels/cat.txt"].decode() == "0 0.05 0.05 0.1 0.1\n"
    assert files["labels/dog park.txt"] == b""


def test_yolo_same_image_name_in_two_tasks_gets_two_files():
    tasks = [{"id": n, "data": {"image": f"/data/upload/{n}/x.jpg"},
              "annotations": [annotation(n, [box("Dog", 0, 0, 10, 10)])]} for n in (1, 2)]
    assert set(unzip(run("YOLO", tasks, IMAGE_CONFIG))) >= {"labels/x.txt", "labels/x_2.txt"}


# VOC -----------------------------------------------------------------------------------------

def test_voc_xml_per_image():
    files = unzip(run("VOC", image_tasks(), IMAGE_CONFIG))
    assert set(files) == {"Annotations/5b1e-dog park.xml", "Annotations/cat.xml"}
    root = ET.fromstring(files["Annotations/5b1e-dog park.xml"])
    assert root.findtext("filename") == "5b1e-dog park.jpg" and root.findtext("folder") == "images"
    assert root.findtext("source/annotator") == "3"
    assert [root.findtext(f"size/{k}") for k in ("width", "height", "depth")] == ["800", "600", "3"]
    (obj,) = root.findall("object")  # the polygon is not a VOC box
    assert obj.findtext("name") == "Dog"
    assert [obj.findtext(f"bndbox/{k}") for k in ("xmin", "ymin", "xmax", "ymax")] == ["80", "120", "320", "360"]
    cat = ET.fromstring(files["Annotations/cat.xml"])
    assert cat.findtext("filename") == "cat.png" and cat.findtext("object/name") == "Bird"
    assert cat.findtext("source/annotator") == "4"


def test_voc_escapes_markup_and_drops_control_characters():
    task = {"id": 1, "data": {"image": "/data/upload/1/a&b<c>.jpg"}, "annotations": [
        annotation(1, [box('<x y="1">&\x01', 10.9, 10.9, 10, 10, width=100, height=100)],
                   user={"id": 1, "email": "o'neil&co@example.org"})]}
    files = unzip(run("VOC", [task], IMAGE_CONFIG))
    body = files["Annotations/a&b_c_.xml"]
    assert b"<x y" not in body and b"&lt;x y=\"1\"&gt;&amp;" in body and b"\x01" not in body
    root = ET.fromstring(body)
    assert root.findtext("filename") == "a&b<c>.jpg"
    assert root.findtext("object/name") == '<x y="1">&'
    assert root.findtext("source/annotator") == "o'neil&co@example.org"
    assert root.findtext("object/bndbox/xmin") == "10" and root.findtext("object/bndbox/xmax") == "20"


# CONLL2003 -----------------------------------------------------------------------------------

def test_conll_tags_per_annotation():
    text = run("CONLL2003", text_tasks(), TEXT_CONFIG).decode()
    blocks = text.split("\n\n")
    assert blocks[0].startswith("-DOCSTART- -X- O\n")
    newest = blocks[0].splitlines()[1:]
    assert newest == ["Barack -X- _ O", "Obama -X- _ O", "visited -X- _ O", "Paris -X- _ B-LOC", ". -X- _ O"]
    assert blocks[1].splitlines() == ["Barack -X- _ B-PER", "Obama -X- _ I-PER", "visited -X- _ O",
                                      "Paris -X- _ B-LOC", ". -X- _ O"]
    tricky = [line.split(" -X- _ ") for line in blocks[2].splitlines()]
    assert [t for t, _ in tricky] == ["Zoë", "said", ",", '"', "hi", '"', "then", "left", ";", "100", "%", "✓"]
    assert {tag for _, tag in tricky} == {"O"}
    assert text.endswith("\n\n") and len(blocks) == 4


# Format checks -------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt, config_xml, needle", [
    ("YOLO", TEXT_CONFIG, "YOLO export needs"),
    ("COCO", TEXT_CONFIG, "COCO export needs"),
    ("VOC", TEXT_CONFIG, "VOC export needs"),
    ("CONLL2003", IMAGE_CONFIG, "CONLL2003 export needs"),
    ("VOC", IMAGE_CONFIG.replace("RectangleLabels", "Choices").replace("Label ", "Choice "), "RectangleLabels"),
])
def test_check_refuses_configs_without_the_needed_results(fmt, config_xml, needle):
    module = writer(fmt)
    config = parse_config(config_xml)
    with pytest.raises(ValidationError, match=needle):
        module.check(config)
    consumed = []
    with pytest.raises(ValidationError, match=needle):  # write() checks too, before reading a task
        module.write((consumed.append(t) or t for t in image_tasks()), config, project(config_xml))
    assert consumed == []


@pytest.mark.parametrize("fmt", ["JSON_MIN", "CSV", "TSV"])
def test_general_formats_accept_any_config(fmt):
    assert writer(fmt).check(parse_config(IMAGE_CONFIG)) is None
    assert writer(fmt).check(parse_config(TEXT_CONFIG)) is None


def test_shape_formats_accept_rectangle_with_labels():
    config = parse_config("""<View><Image name="img" value="$image"/>
      <Rectangle name="rect" toName="img"/><Labels name="lab" toName="img"><Label value="A"/></Labels></View>""")
    for fmt in ("COCO", "YOLO", "VOC"):
        assert writer(fmt).check(config) is None


# Streaming -----------------------------------------------------------------------------------

def many_tasks(count, image, seen):
    """``count`` tasks made on demand; ``seen`` counts how many were handed out."""
    for n in range(count):
        seen.append(n)
        if image:
            yield {"id": n, "data": {"image": f"/data/upload/1/img{n}.jpg"},
                   "annotations": [annotation(n, [box("Dog", 10, 20, 30, 40)], user=n % 3)]}
        else:
            yield {"id": n, "data": {"text": f"Task {n}: Barack Obama visited Paris, twice."},
                   "annotations": [annotation(n, [span(8 + len(str(n)), 20 + len(str(n)), "Barack Obama", "PER")],
                                              user=n % 3)]}


@pytest.mark.parametrize("fmt", ["JSON_MIN", "CSV", "TSV", "COCO", "YOLO", "VOC", "CONLL2003"])
def test_first_chunk_comes_before_the_tasks_run_out(fmt):
    image = fmt in ("COCO", "YOLO", "VOC")
    config_xml = IMAGE_CONFIG if image else TEXT_CONFIG
    seen = []
    chunks = writer(fmt).write(many_tasks(20_000, image, seen), parse_config(config_xml), project(config_xml))
    first = next(iter(chunks))
    assert first and 0 < len(seen) < 20_000
    rest = b"".join(itertools.chain([first], chunks))
    assert len(seen) == 20_000
    if fmt == "CSV":
        assert sum(1 for _ in csv.reader(io.StringIO(rest.decode()))) == 20_001
    elif fmt == "COCO":
        doc = json.loads(rest)
        assert len(doc["images"]) == len(doc["annotations"]) == 20_000
        assert doc["annotations"][-1] == {"id": 19_999, "image_id": 19_999, "category_id": 2, "segmentation": [],
                                          "bbox": [80.0, 120.0, 240.0, 240.0], "ignore": 0, "iscrowd": 0,
                                          "area": 57600.0}
    elif fmt == "YOLO":
        assert len(unzip(rest)) == 20_002
    elif fmt == "CONLL2003":
        assert rest.decode().count("B-PER") == 20_000
