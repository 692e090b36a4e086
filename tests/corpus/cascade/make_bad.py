#!/usr/bin/python3
"""Writes the corrupt-cascade corpus bad_*.xml (and ok_tiny*.xml, the valid
files they are made from) next to this script. tests/test_align.c expects
each bad file to be refused with a message naming its line and element;
the whole folder also seeds tests/fuzz/fuzz_cascade.c.

    /usr/bin/python3 tests/corpus/cascade/make_bad.py"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))

# A one-stage, one-stump cascade in the new format; line numbers matter.
OK = """<?xml version="1.0"?>
<opencv_storage>
<cascade type_id="opencv-cascade-classifier"><stageType>BOOST</stageType>
  <featureType>HAAR</featureType>
  <height>24</height> <width>24</width>
  <featureParams><maxCatCount>0</maxCatCount></featureParams>
  <stages><_><stageThreshold>-1.5</stageThreshold>
    <weakClassifiers>
      <_>
        <internalNodes>0 -1 0 -3.1511999666690826e-02</internalNodes>
        <leafValues>2.0875380039215088e+00 -2.2172100543975830e+00</leafValues></_>
    </weakClassifiers></_></stages>
  <features>
    <_><rects>
      <_>6 4 12 9 -1.</_>
      <_>6 7 12 3 3.</_></rects></_>
  </features>
</cascade>
</opencv_storage>
"""

# The same in the old format (one stump).
OK_OLD = """<?xml version="1.0"?>
<opencv_storage>
<tiny type_id="opencv-haar-classifier">
  <size>24 24</size>
  <stages>
    <_>
      <trees>
        <_>
          <_>
            <feature>
              <rects><_>6 4 12 9 -1.</_><_>6 7 12 3 3.</_></rects>
              <tilted>0</tilted></feature>
            <threshold>-3.1511999666690826e-02</threshold>
            <left_val>2.0875380039215088e+00</left_val>
            <right_val>-2.2172100543975830e+00</right_val></_></_></trees>
      <stage_threshold>-1.5</stage_threshold>
      <parent>-1</parent><next>-1</next></_></stages>
</tiny>
</opencv_storage>
"""

TREE = OK.replace("<internalNodes>0 -1 0 -3.1511999666690826e-02</internalNodes>",
                  "<internalNodes>1 -1 0 -3.1e-02 0 -2 0 1.5e-01</internalNodes>").replace(
                  "-2.2172100543975830e+00</leafValues>", "-2.2172100543975830e+00 0.5</leafValues>")

BAD = {
    "bad_unclosed.xml": OK.replace("    </weakClassifiers>", ""),
    "bad_mismatch.xml": OK.replace("</leafValues>", "</internalNodes>"),
    "bad_node_count.xml": OK.replace("0 -1 0 -3.15", "0 -1 0 7 -3.15"),
    "bad_leaf_count.xml": OK.replace("-2.2172100543975830e+00</leafValues>", "-2.2172100543975830e+00 1.0</leafValues>"),
    "bad_no_features.xml": OK.replace("  <features>", "  <features_>").replace("  </features>", "  </features_>"),
    "bad_nan.xml": OK.replace("-3.1511999666690826e-02", "nan"),
    "bad_inf.xml": OK.replace("-1.5</stageThreshold>", "1e99</stageThreshold>"),
    "bad_rect.xml": OK.replace("<_>6 4 12 9 -1.</_>", "<_>20 4 12 9 -1.</_>"),
    "bad_tilted.xml": OK.replace("<_>6 4 12 9 -1.</_>", "<_>2 4 12 9 -1.</_>").replace(
        "</rects></_>", "</rects><tilted>1</tilted></_>"),
    "bad_feature_index.xml": OK.replace("0 -1 0 -3.15", "0 -1 3 -3.15"),
    "bad_loop.xml": TREE.replace("-3.1e-02 0 -2 0 1.5e-01", "-3.1e-02 1 -2 0 1.5e-01"),  # node 1 -> itself
    "bad_stage_type.xml": OK.replace("<stageType>BOOST", "<stageType>GAB"),
    "bad_lbp.xml": OK.replace("<featureType>HAAR", "<featureType>LBP"),
    "bad_not_cascade.xml": OK.replace("<stageType>BOOST</stageType>", "").replace("<stages>", "<stages_>")
                             .replace("</stages>", "</stages_>"),
    "bad_not_storage.xml": OK.replace("opencv_storage", "storage"),
    "bad_text.xml": "hello " + OK,
    "bad_window.xml": OK.replace("<width>24", "<width>2"),
    "bad_old_leaf.xml": OK_OLD.replace("<right_val>-2.2172100543975830e+00</right_val>", ""),
    "bad_attribute.xml": OK.replace('type_id="opencv-cascade-classifier"', "type_id=opencv"),
    "bad_rect_count.xml": OK.replace("<_>6 7 12 3 3.</_>", "<_>6 7 12 3 3.</_><_>0 0 1 1 1.</_><_>0 0 1 1 1.</_>"),
    "bad_empty.xml": "<?xml version=\"1.0\"?>\n<!-- nothing -->\n",
}

for name, text in [("ok_tiny.xml", OK), ("ok_tiny_old.xml", OK_OLD), ("ok_tiny_tree.xml", TREE)] + sorted(BAD.items()):
    with open(os.path.join(HERE, name), "w") as f:
        f.write(text)
