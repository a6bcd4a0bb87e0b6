"""Network mode: CAEs near a place or of a specialism; what the profiles add
to an eligibility verdict."""
from bot import eligibility
from bot.caes import load_dir
from bot.caes.chat import cae_from_metadata
from bot.caes.network import find, listing, parse_query, verdict_notes

PROFILES = load_dir()
ALL = list(PROFILES.values())


def slugs(found):
    return [p.slug for p in found]


def test_place_and_specialism():
    assert slugs(find(ALL, parse_query("une CAE bâtiment dans le 69 ?", ALL))) == ["coop-batir-rhone"]
    assert slugs(find(ALL, parse_query("y a une cae à Rouen ?", ALL))) == ["coop-normandie"]
    assert set(slugs(find(ALL, parse_query("cae près de 69001", ALL)))) == {"coop-lyon", "coop-batir-rhone"}
    assert find(ALL, parse_query("une CAE dans le 13", ALL)) == []
    assert find(ALL, parse_query("une CAE agricole dans le 76", ALL)) == []
    assert len(find(ALL, parse_query("une CAE près de chez moi", ALL))) == len(ALL)


def test_departements_and_regions_by_name():
    """"dans le Rhône", "en Normandie": by name (bot/caes/places.yml); a longer
    name is not read as a shorter one inside it; a name that is a common word
    only after "dans le"."""
    rhone = parse_query("une CAE dans le Rhône ?", ALL)
    assert rhone.departements == ("69",) and rhone.place_label == "dans le 69 (Rhône)"
    assert set(slugs(find(ALL, rhone))) == {"coop-lyon", "coop-batir-rhone"}
    normandie = parse_query("y a une cae en normandie", ALL)
    assert normandie.place_label == "en Normandie" and slugs(find(ALL, normandie)) == ["coop-normandie"]
    assert slugs(find(ALL, parse_query("une CAE bâtiment en Auvergne-Rhône-Alpes", ALL))) == ["coop-batir-rhone"]
    assert set(slugs(find(ALL, parse_query("une cae en ile de france", ALL)))) == {"coop-paris"}
    assert parse_query("dans les bouches du rhone", ALL).departements == ("13",)
    assert find(ALL, parse_query("une CAE dans les Bouches-du-Rhône", ALL)) == []
    assert parse_query("une CAE dans la Somme", ALL).departements == ("80",)
    for common in ("c'est cher une cae ?", "en somme une cae ça marche comment", "au nord de la ville"):
        assert not parse_query(common, ALL).has_place, common
    # A number or a city named by a profile comes first.
    assert parse_query("une CAE à Lyon dans le Rhône", ALL).city == "Lyon"
    assert parse_query("dans le 76 en Normandie", ALL).departements == ("76",)


def test_listing_names_specialisms_and_contact():
    text = listing([PROFILES["coop-batir-rhone"]])
    assert text.startswith("- Coopérative du bâtiment Rhône (bâtiment) : Lyon")
    assert "contact@coop-batir-rhone.example.org" in text


def test_excluded_at_this_cae_names_the_reason_and_other_caes():
    verdict = eligibility.assess("hébergeur web", cae_excludes=PROFILES["coop-normandie"].excluded_categories,
                                 use_spacy=False)
    assert verdict.status == "not_eligible"
    headline, lines = verdict_notes(verdict, PROFILES["coop-normandie"], ALL)
    assert headline == "Désolé, Coopérative d'activité Normandie n'accueille pas cette activité."
    assert any("son assureur (contrat de groupe RC Pro) ne le couvre pas" in line for line in lines)
    assert "Coopérative d'activité Lyon" in lines[-1] and "Paris" not in lines[-1]  # Paris excludes it too


def test_same_activity_at_a_cae_that_does_not_exclude_it():
    verdict = eligibility.assess("hébergeur web", cae_excludes=PROFILES["coop-lyon"].excluded_categories,
                                 use_spacy=False)
    assert verdict.status == "to_review"  # Scop276's practice, said as Scop276's
    assert verdict_notes(verdict, PROFILES["coop-lyon"], ALL) == (None, [])


def test_redirect_names_matching_caes_or_says_none_is_listed():
    building = eligibility.assess("je suis plombier", use_spacy=False)
    assert building.status == "redirect"
    _, lines = verdict_notes(building, None, ALL)
    assert "Coopérative du bâtiment Rhône" in lines[-1]
    sap = eligibility.assess("je fais du ménage chez les particuliers", use_spacy=False)
    assert (sap.status, sap.redirect) == ("redirect", "sap")
    _, lines = verdict_notes(sap, None, ALL)
    assert lines[-1].startswith("Je ne connais pas encore de CAE (services à la personne)")


def test_unknown_or_malformed_metadata_is_network_mode(sample_db, caplog):
    assert cae_from_metadata({"cae": "coop-lyon"}) == "coop-lyon"
    assert cae_from_metadata({"cae": " COOP-LYON "}) == "coop-lyon"
    assert cae_from_metadata({"cae": "coop-visio"}) is None  # a CAE without profile
    with caplog.at_level("WARNING"):
        assert cae_from_metadata({"cae": "inconnue"}) is None
    assert "unknown CAE 'inconnue'" in caplog.text
    for value in (None, {}, [], "coop-lyon", {"cae": 12}, {"cae": ["coop-lyon"]}, {"cae": ""}):
        assert cae_from_metadata(value) is None
