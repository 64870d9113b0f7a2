"""A compilation (a channel's morning digest repeating several of its flashes) joins the
story of one of them; the other flashes, each a part of it, do not join that story through
it. The parts of one long story (an explainer repeating a flash and a later post) still
join. Texts written for the project."""

from __future__ import annotations

from pathlib import Path

from pipelines.storylink import Thresholds
from tests.test_story_linking import _store_in_order

FLOOD = ("Storm floods the port of Varna",
         "A storm flooded the port of Varna overnight and sank 40 fishing boats, "
         "mayor Ivan Petkov said on Sunday. Rescuers pulled 12 sailors from the water near "
         "the Galata breakwater. The harbour will stay closed until Wednesday, the port "
         "authority said.")
COURT = ("Court jails activist Pavel Orlov in Tver",
         "A court in Tver sentenced the activist Pavel Orlov to six years in a penal colony "
         "for posts about the war. Orlov, 34, had run a volunteer kitchen for refugees "
         "before his arrest in March. His lawyer Marina Sokolova said she would appeal the "
         "verdict.")
DIGEST = ("The main news this morning",
          "🔻 " + FLOOD[1] + "\n🔻 " + COURT[1] + "\n🔻 Chess champion Lidia Vasko won the "
          "blitz tournament in Zagreb for the third year in a row, beating 90 players from 31 "
          "countries.")


def test_a_flash_does_not_join_another_flashs_story_through_a_digest(tmp_path: Path) -> None:
    _, rows = _store_in_order(tmp_path, [(*FLOOD, "chan"), (*DIGEST, "chan"),
                                         (*COURT, "chan")])
    flood, digest, court = rows
    assert digest["story_id"] == flood["story_id"]
    assert digest["related_to"] == flood["id"]
    assert court["story_id"] not in (flood["story_id"], digest["story_id"])
    # Turned off, the court report joins the flood's story through the digest, as before.
    _, rows = _store_in_order(tmp_path, [(*FLOOD, "chan"), (*DIGEST, "chan"),
                                         (*COURT, "chan")],
                              Thresholds(apart_anchors=0, apart_words=0))
    assert rows[2]["story_id"] == rows[0]["story_id"]
    assert rows[2]["story_relation"] == "teaser" and rows[2]["related_to"] == rows[1]["id"]


def test_a_digest_first_then_its_flashes(tmp_path: Path) -> None:
    # The digest is the first report: the first flash joins it, the second tells another
    # story than the first and does not.
    _, rows = _store_in_order(tmp_path, [(*DIGEST, "chan"), (*FLOOD, "chan"),
                                         (*COURT, "chan")])
    digest, flood, court = rows
    assert flood["story_id"] == digest["story_id"] and flood["story_relation"] == "teaser"
    assert court["story_id"] != digest["story_id"]


MARCH = ("Thousands march against the war in Berlin",
         "Thousands of Russians marched through Berlin on Sunday against the war, led by "
         "Yulia Navalnaya, Ilya Yashin and Vladimir Kara-Murza. The column walked from "
         "Potsdamer Platz to the Russian embassy, police said.")
EXPLAINER = ("Who marched in Berlin, and why",
             "Thousands of Russians marched through Berlin on Sunday against the war, led by "
             "Yulia Navalnaya, Ilya Yashin and Vladimir Kara-Murza. The column walked from "
             "Potsdamer Platz to the Russian embassy, police said.\n"
             "The march was the first that the three had organised together since the "
             "prisoner exchange in August. Some in the crowd had left Russia in 2022, others "
             "decades ago.\n"
             "Yashin told the crowd in Berlin that the opposition must not split over "
             "Ukraine. Navalnaya said her movement would keep working from abroad. "
             "Kara-Murza called on Germany to issue visas to Russians who refuse to fight.\n"
             "Organisers said 2,000 people had registered in advance.")
LATER = ("Yashin in Berlin: the opposition must not split",
         "Yashin told the crowd in Berlin that the opposition must not split over Ukraine. "
         "Navalnaya said her movement would keep working from abroad.")


def test_the_parts_of_one_story_still_join_through_its_explainer(tmp_path: Path) -> None:
    _, rows = _store_in_order(tmp_path, [(*MARCH, "chan"), (*EXPLAINER, "chan"),
                                         (*LATER, "chan")])
    march, explainer, later = rows
    assert explainer["story_id"] == march["story_id"]
    assert later["story_id"] == march["story_id"] and later["related_to"] == explainer["id"]
