"""The two instruments of the source texts, shipped as data (Swedish wording from the source, English
translation), and their installation. Installing is idempotent and never touches a version that exists."""

from django.db import transaction

TESTA_DIN_SAMVERKAN = "testa-din-samverkan"
SAMVERKANSMODELLEN = "samverkansmodellen"
LEVELS_OF_COLLABORATION = "levels_of_collaboration"

_IN_WHAT_DEGREE_SV = "I vilken grad …"
_IN_WHAT_DEGREE_EN = "To what degree …"

# Seed 001, "Testa din samverkan!" (SKL / Reglab): 21 statements, 1–5 (5 best), four blocks, five bands.
_TESTA = {
    "code": TESTA_DIN_SAMVERKAN,
    "name_sv": "Testa din samverkan!",
    "name_en": "Test your collaboration!",
    "description_sv": (
        "Självskattning i 21 frågor i fyra block. Svara på varje fråga på en skala från 1 till 5, där 5 är bäst. "
        "Summan (21–105 poäng) visar var samverkan står och vad ni kan arbeta vidare med."
    ),
    "description_en": (
        "A self-assessment in 21 questions in four blocks. Answer each on a scale from 1 to 5, where 5 is best. "
        "The total (21–105 points) shows where the collaboration stands and what to work on next."
    ),
    "scale_min": 1,
    "scale_max": 5,
    "scale_min_label_sv": "i mycket liten grad",
    "scale_min_label_en": "to a very small degree",
    "scale_max_label_sv": "i mycket hög grad (bäst)",
    "scale_max_label_en": "to a very high degree (best)",
    # The source's stem before each block's statements: "I vilken grad ….. Finns …?"
    "section_description_sv": _IN_WHAT_DEGREE_SV,
    "section_description_en": _IN_WHAT_DEGREE_EN,
    "sections": [
        (
            "Startförhållanden",
            "Starting conditions",
            [
                (
                    "Finns sedan tidigare tillit och förtroende mellan de samverkande parterna?",
                    "Is there already trust and confidence between the collaborating parties?",
                ),
                (
                    "Har alla som deltar i samverkan något att vinna på det?",
                    "Does everyone taking part in the collaboration have something to gain from it?",
                ),
                ("Har tid och resurser avsatts för samverkan?", "Have time and resources been set aside for it?"),
                (
                    'Deltar "rätt" aktörer i förhållande till uppgiften som ska lösas?',
                    'Are the "right" actors taking part, given the task to be solved?',
                ),
                (
                    "Finns kunskap om respektive aktörs regelverk, organisation och uppdrag?",
                    "Is there knowledge of each actor's rules, organisation and remit?",
                ),
            ],
        ),
        (
            "Organisatorisk design och ledarskap",
            "Organisational design and leadership",
            [
                (
                    "Är det tydligt vilka som ska delta/deltar i samverkan (organisation/person)?",
                    "Is it clear who is to take part / takes part in the collaboration (organisation/person)?",
                ),
                (
                    "Ges förutsättningar för inkludering och delaktighet?",
                    "Are there conditions for inclusion and participation?",
                ),
                (
                    "Finns tydliga spelregler för hur samverkan ska gå till?",
                    "Are there clear ground rules for how the collaboration is to work?",
                ),
                ("Är processen öppen och transparent?", "Is the process open and transparent?"),
                (
                    "Finns ett ledarskap som underlättar samverkan?",
                    "Is there leadership that makes collaboration easier?",
                ),
            ],
        ),
        (
            "Samverkansprocessen",
            "The collaboration process",
            [
                ("Är syftet med samverkan tydligt?", "Is the purpose of the collaboration clear?"),
                ("Finns en gemensam problembeskrivning?", "Is there a shared description of the problem?"),
                (
                    "Är målen för vad som ska uppnås tydliga för alla som samverkar?",
                    "Are the goals of what is to be achieved clear to everyone collaborating?",
                ),
                (
                    "Finns ett gemensamt ägarskap för samverkanprocessen?",
                    "Is there shared ownership of the collaboration process?",
                ),
                ("Tas olika kunskaper och kompetenser tillvara?", "Are different knowledge and skills made use of?"),
                ("Är möten och samtal meningsfulla?", "Are meetings and conversations meaningful?"),
                ("Är möten och samtal tillitsfulla?", "Are meetings and conversations trusting?"),
                (
                    "Bidrar samverkan till en gemensam bild av nuläget?",
                    "Does the collaboration contribute to a shared picture of the current situation?",
                ),
                (
                    'Bidrar samverkan till "små vinster" på vägen mot de övergripande målen?',
                    'Does the collaboration contribute "small wins" on the way to the overall goals?',
                ),
                ("Avsätts tid för reflektion och lärande?", "Is time set aside for reflection and learning?"),
            ],
        ),
        (
            "Utfall",
            "Outcome",
            [
                (
                    "Gör samverkan skillnad och ger önskat resultat?",
                    "Does the collaboration make a difference and give the desired result?",
                ),
            ],
        ),
    ],
    "bands": [
        (
            21,
            41,
            "Vilka vill samverka?",
            "Who wants to collaborate?",
            "Lägg mycket tid på den gemensamma grunden. Backa tillbaka till samtal och dialog för att utforska "
            "varandras drivkrafter.",
            "Spend a lot of time on the common ground. Go back to conversation and dialogue to explore each "
            "other's driving forces.",
        ),
        (
            42,
            62,
            "Viljan finns, det märks!",
            "The will is there, it shows!",
            "Men finns samsyn om utmaningar, behov, mål och hur samverkan ska gå till?",
            "But is there a shared view of the challenges, needs, goals and how the collaboration is to work?",
        ),
        (
            63,
            83,
            "Bra jobbat!",
            "Well done!",
            "Här finns goda förutsättningar, det gemensamma bygget är påbörjat men allt kan bli bättre. Titta "
            "särskilt på (t.ex. Organisatorisk design …)",
            "The conditions are good and the joint building has begun, but everything can get better. Look in "
            "particular at (e.g. Organisational design …)",
        ),
        (
            84,
            94,
            "Grattis!",
            "Congratulations!",
            "Alla erfarenheter av god samverkan bygger tillit, värna den! För att toppa resultaten titta särskilt "
            "på (t.ex. Samverkansprocessen …)",
            "Every experience of good collaboration builds trust: protect it! To top the results, look in "
            "particular at (e.g. The collaboration process …)",
        ),
        (
            95,
            105,
            "Hurra!",
            "Hooray!",
            "Det här går som tåget i samhandlingens anda! Kom ihåg att löpande reflektera och utvärdera "
            "processen och fira resultaten av ert gemensamma arbete.",
            "This is going full steam ahead in the spirit of joint action! Remember to reflect on and evaluate "
            "the process as you go, and celebrate the results of your joint work.",
        ),
    ],
}

# Seed 004, Samverkansmodellen (Bottheim & Zingmark): six dimensions, 0–10, each participant separately,
# then a conversation one dimension at a time; plus the general reflection questions.
_MODELLEN = {
    "code": SAMVERKANSMODELLEN,
    "name_sv": "Samverkansmodellen",
    "name_en": "The collaboration model (Samverkansmodellen)",
    "description_sv": (
        "Kryssa för dig själv i hur väl du upplever att ni lyckas med respektive dimension, från 0 till 10. "
        "Efteråt samtalar ni om en dimension i taget och alla beskriver bakgrunden till sina värderingar – "
        "skillnaderna mellan era svar är det intressanta."
    ),
    "description_en": (
        "On your own, rate how well you feel you succeed with each dimension, from 0 to 10. Afterwards, talk "
        "about one dimension at a time and let everyone describe the background to their rating – the "
        "differences between your answers are what matters."
    ),
    "scale_min": 0,
    "scale_max": 10,
    "scale_min_label_sv": "inte alls",
    "scale_min_label_en": "not at all",
    "scale_max_label_sv": "det kan inte bli bättre",
    "scale_max_label_en": "it cannot get any better",
    "sections": [
        (
            "Sex dimensioner",
            "Six dimensions",
            [
                (
                    "Potential & kontext",
                    "Potential & context",
                    "Hur väl lyckas vi ta tillvara våra olika kontexter, kunskaper och resurser?",
                    "How well do we make use of our different contexts, knowledge and resources?",
                ),
                (
                    "Dialog",
                    "Dialogue",
                    "Hur meningsfulla är våra möten och samtal?",
                    "How meaningful are our meetings and conversations?",
                ),
                (
                    "Ambition",
                    "Ambition",
                    "Hur tydlig är vår gemensamma och resp. aktörs ambition med samverkan?",
                    "How clear is our shared ambition, and each actor's ambition, with the collaboration?",
                ),
                (
                    "Ansvar",
                    "Responsibility",
                    "Hur väl lyckas vi alla ta ett överlappande ansvar för helheten?",
                    "How well do we all succeed in taking an overlapping responsibility for the whole?",
                ),
                (
                    "Tillit",
                    "Trust",
                    "Hur väl lyckas vi stärka relationer och tilliten mellan våra aktörer?",
                    "How well do we succeed in strengthening relationships and trust between our actors?",
                ),
                (
                    "Lärande",
                    "Learning",
                    "Hur väl lyckas vi ta tillvara lärande (omvärld, historik)?",
                    "How well do we make use of learning (the world around us, our history)?",
                ),
            ],
        ),
        (
            "Generella reflektionsfrågor",
            "General reflection questions",
            [
                (
                    "",
                    "",
                    "Vilka dimensioner upplever du att ni lyckas bra med just nu i er samverkan?",
                    "Which dimensions do you feel you are doing well with right now in your collaboration?",
                    "text",
                ),
                (
                    "",
                    "",
                    "Vilka dimensioner upplever du som utmanande? Vad behöver utvecklas?",
                    "Which dimensions do you find challenging? What needs to be developed?",
                    "text",
                ),
                (
                    "",
                    "",
                    "Vad skulle hända om ni pratade om dessa dimensioner tillsammans i din samverkanskontext?",
                    "What would happen if you talked about these dimensions together in your collaboration?",
                    "text",
                ),
            ],
        ),
    ],
    "bands": [],
}

# Frey, Lohmeier, Lee & Tollefson (2006), "Measuring collaboration among grant partners": each respondent rates
# each *other* party of the agreement from 0 (no contact) to 5 (collaboration). The Swedish names follow the
# ladder of seed 001: samtal → samsyn → samverkan → samhandling. Pairwise: no items, the parties are the questions.
LOC_LEVELS = (
    (0, "Ingen kontakt", "No contact"),
    (1, "Nätverkande – samtal", "Networking"),
    (2, "Samarbete – samsyn", "Cooperation"),
    (3, "Samordning – samverkan", "Coordination"),
    (4, "Koalition – samverkan", "Coalition"),
    (5, "Samhandling", "Collaboration"),
)
_LOC = {
    "code": LEVELS_OF_COLLABORATION,
    "name_sv": "Samverkansnivåer (efter Frey m.fl. 2006)",
    "name_en": "Levels of Collaboration",
    "description_sv": (
        "Ange för varje annan part i överenskommelsen hur ni arbetar med den i dag, från 0 (ingen kontakt) till 5 "
        "(samhandling): 1 nätverkande – vi samtalar och delar information; 2 samarbete – vi har samsyn och "
        "stöttar varandra; 3 samordning – vi samverkar och planerar gemensamt; 4 koalition – vi delar resurser "
        "och fattar beslut tillsammans; 5 samhandling – vi agerar som en enhet med gemensamma mål. Skillnader i hur "
        "parterna ser på varandra är något att prata om."
    ),
    "description_en": (
        "For each other party of the agreement, say how you work with it today, from 0 (no contact) to 5 "
        "(collaboration): 1 networking – we talk and share information; 2 cooperation – we share a view and "
        "support each other; 3 coordination – we plan together; 4 coalition – we share resources and decide "
        "together; 5 collaboration – we act as one with shared goals. Differences in how the parties see each "
        "other are something to talk about."
    ),
    "scale_min": 0,
    "scale_max": 5,
    "scale_min_label_sv": "ingen kontakt",
    "scale_min_label_en": "no contact",
    "scale_max_label_sv": "samhandling",
    "scale_max_label_en": "collaboration",
    "pairwise": True,
    "sections": [],
    "bands": [],
}

BUILTIN_INSTRUMENTS = (_TESTA, _MODELLEN, _LOC)


def install_instrument(spec: dict, *, models=None, builtin: bool = True, using: str = "default"):
    """Create version 1 of the instrument in ``spec`` unless its code exists; returns it or None.

    ``models`` is a mapping of model names to classes, so a data migration can pass its historical models.
    """
    if models is None:
        from assessments.models import Band, Instrument, InstrumentSection, Item

        models = {"Instrument": Instrument, "InstrumentSection": InstrumentSection, "Item": Item, "Band": Band}
    Instrument, InstrumentSection, Item, Band = (
        models["Instrument"],
        models["InstrumentSection"],
        models["Item"],
        models["Band"],
    )
    if Instrument.objects.using(using).filter(code=spec["code"]).exists():
        return None
    section_keys = ("sections", "bands", "section_description_sv", "section_description_en")
    fields = {key: value for key, value in spec.items() if key not in section_keys}
    with transaction.atomic(using=using):
        instrument = Instrument.objects.db_manager(using).create(version=1, is_builtin=builtin, **fields)
        position = 0
        for section_position, (title_sv, title_en, items) in enumerate(spec["sections"], start=1):
            section = InstrumentSection.objects.db_manager(using).create(
                instrument=instrument,
                position=section_position,
                title_sv=title_sv,
                title_en=title_en,
                description_sv=spec.get("section_description_sv", ""),
                description_en=spec.get("section_description_en", ""),
            )
            for item in items:
                position += 1
                if len(item) == 2:  # a statement without a dimension name
                    item = ("", "", *item)
                label_sv, label_en, text_sv, text_en, *kind = item
                Item.objects.db_manager(using).create(
                    instrument=instrument,
                    section=section,
                    position=position,
                    kind=kind[0] if kind else "scale",
                    label_sv=label_sv,
                    label_en=label_en,
                    text_sv=text_sv,
                    text_en=text_en,
                )
        Band.objects.using(using).bulk_create(
            Band(
                instrument=instrument,
                min_total=low,
                max_total=high,
                label_sv=label_sv,
                label_en=label_en,
                advice_sv=advice_sv,
                advice_en=advice_en,
            )
            for low, high, label_sv, label_en, advice_sv, advice_en in spec["bands"]
        )
    return instrument


def install_builtin_instruments(models=None, using: str = "default") -> list:
    """Install the built-in instruments; a spec with fields the (historical) model lacks yet is left to the
    later migration that adds them (levels_of_collaboration needs ``pairwise``: 0013)."""
    if models is None:
        from assessments.models import Instrument
    else:
        Instrument = models["Instrument"]
    from assessments.models import Instrument as CurrentInstrument

    # The spec's keys that are the instrument's own fields today (others describe sections and bands).
    fields_now = {field.name for field in CurrentInstrument._meta.get_fields()}
    known = {field.name for field in Instrument._meta.get_fields()}
    return [
        instrument
        for spec in BUILTIN_INSTRUMENTS
        if set(spec) & fields_now <= known
        and (instrument := install_instrument(spec, models=models, using=using))
    ]
