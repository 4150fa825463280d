"""Static vocabulary of the synthetic municipality: names, units, supplier names, items, comments.

Everything here is invented. Person names are common Danish first and last names combined at
random, so no generated user is a real person. No string here holds `;`, `"` or a line break,
except the comments, which deliberately do (the writer quotes them).
"""

from __future__ import annotations

FIRST_NAMES = (
    "Anna", "Anne", "Birgit", "Bente", "Camilla", "Charlotte", "Dorthe", "Ditte", "Emma", "Eva",
    "Frida", "Gitte", "Hanne", "Helle", "Ida", "Inge", "Julie", "Karen", "Kirsten", "Lene",
    "Lise", "Louise", "Maria", "Mette", "Nanna", "Pia", "Rikke", "Sara", "Signe", "Susanne",
    "Tina", "Trine", "Ulla", "Vibeke", "Winnie", "Asger", "Anders", "Bo", "Carl", "Christian",
    "Claus", "Daniel", "Erik", "Frederik", "Henrik", "Ib", "Jakob", "Jens", "Jesper", "Johan",
    "Jonas", "Kasper", "Lars", "Mads", "Martin", "Michael", "Mikkel", "Morten", "Niels", "Ole",
    "Peter", "Poul", "Rasmus", "René", "Søren", "Thomas", "Torben", "Troels", "Ulrik", "Yousef",
    "Ahmed", "Fatima", "Leyla", "Zainab", "Mohammad", "Aske", "Sofie", "Laura", "Freja", "Ida Marie",
)
LAST_NAMES = (
    "Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
    "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen",
    "Christiansen", "Poulsen", "Johansen", "Møller", "Mortensen", "Knudsen", "Jakobsen",
    "Mikkelsen", "Frederiksen", "Dam", "Holm", "Berg", "Friis", "Dahl", "Lund", "Bach", "Kjær",
    "Vestergaard", "Skov", "Nørgaard", "Lauridsen", "Eriksen", "Henriksen", "Bruun", "Østergaard",
    "Clausen", "Lind", "Juhl", "Overgaard", "Iversen", "Winther", "Brandt", "Krogh", "Schmidt",
    "Ali", "Yilmaz", "Hussein", "Nguyen", "Kaya", "Steffensen", "Toft", "Bech", "Munk", "Svendsen",
)
MIDDLE_NAMES = ("Marie", "Louise", "Bech", "Holm", "Skov", "Munk", "Lykke", "Juul", "Kragh", "Krog")

# Units per department: kinds of unit, combined with districts. `Direktion` holds the director.
UNIT_KINDS = {
    "ØKF": ("Økonomi", "Løn og Personale", "IT-drift", "Indkøb", "Jura", "Borgerservice"),
    "BUF": ("Skole", "Dagtilbud", "Fritidshjem", "Sundhedspleje", "PPR", "Ungdomsskole"),
    "SUF": ("Plejecenter", "Hjemmepleje", "Sundhedshus", "Rehabilitering", "Træningscenter"),
    "SOF": ("Botilbud", "Familiecenter", "Socialcenter", "Herberg", "Misbrugscenter"),
    "TMF": ("Vej og Park", "Byggeri", "Miljø", "Renhold", "Trafik", "Ejendomme"),
    "KFF": ("Bibliotek", "Idrætsanlæg", "Kulturhus", "Svømmehal", "Musikskole"),
    "BIF": ("Jobcenter", "Ydelsescenter", "Integration", "Virksomhedsservice"),
}
DISTRICTS = (
    "Nord", "Syd", "Øst", "Vest", "Centrum", "Amager", "Valby", "Vanløse", "Brønshøj", "Bispebjerg",
    "Nørrebro", "Østerbro", "Vesterbro", "Sydhavn", "Husum", "Tingbjerg", "Kongens Enghave",
)

# Supplier categories: posting group (`Postgruppe`), words for names, catalogue of items
# (text, min unit price DKK, max unit price DKK, max quantity; max quantity 1 = a service).
CATEGORIES = {
    "KONTOR": (
        ("Kontorland", "Kontorforsyning", "Papir og Print", "Kontorhuset"),
        (("Kopipapir A4, 80 g", 35, 55, 60), ("Toner, sort", 380, 900, 12),
         ("Kuglepenne, 50 stk.", 60, 140, 20), ("Ringbind A4", 12, 30, 80),
         ("Kontorstol", 1200, 4500, 8), ("Skrivebordslampe", 250, 900, 10)),
    ),
    "SERVICE": (
        ("Rengøring", "Facility Service", "Vinduespolering", "Servicepartner"),
        (("Rengøring, måned", 4000, 60000, 1), ("Vinduespolering", 900, 8000, 1),
         ("Måtteservice", 300, 1500, 1), ("Affaldshåndtering", 1500, 20000, 1)),
    ),
    "IT": (
        ("IT", "Data", "Software", "Netværk"),
        (("Bærbar computer", 5500, 14000, 20), ("Skærm 27 tommer", 1400, 3200, 30),
         ("Licens, år", 800, 60000, 50), ("Konsulenttimer IT", 850, 1400, 40),
         ("Headset", 300, 1100, 40)),
    ),
    "BYGGERI": (
        ("Byg", "Tømrer", "VVS", "El-service", "Malerfirma", "Entreprise"),
        (("Tømrerarbejde, timer", 450, 650, 80), ("Materialer", 1000, 90000, 1),
         ("VVS-reparation", 1500, 25000, 1), ("Elarbejde, timer", 480, 700, 60),
         ("Malerarbejde", 5000, 120000, 1)),
    ),
    "FØDEVARER": (
        ("Catering", "Frugt", "Storkøkken", "Fødevarer", "Mejeri"),
        (("Frugtordning, uge", 400, 2500, 4), ("Mælk, 1 l", 9, 14, 300),
         ("Brød, stk.", 18, 40, 120), ("Mødeforplejning", 80, 250, 60),
         ("Madservice, portioner", 45, 95, 400)),
    ),
    "MEDICO": (
        ("Medico", "Hjælpemidler", "Sundhed", "Sygeplejeartikler"),
        (("Engangshandsker, æske", 40, 95, 200), ("Inkontinensprodukter", 300, 1500, 80),
         ("Rollator", 1200, 3500, 6), ("Plejeseng, leje", 600, 1800, 10),
         ("Forbindinger", 50, 400, 100)),
    ),
    "TRANSPORT": (
        ("Taxa", "Bus", "Transport", "Vognmand", "Kørsel"),
        (("Kørsel, ture", 150, 900, 80), ("Buskørsel, dag", 3500, 9000, 10),
         ("Flytning", 4000, 30000, 1), ("Budservice", 120, 600, 30)),
    ),
    "KONSULENT": (
        ("Rådgivning", "Consult", "Analyse", "Advokatfirma"),
        (("Konsulentbistand, timer", 950, 1800, 60), ("Rapport", 15000, 150000, 1),
         ("Kursus, deltagere", 1500, 6000, 25), ("Juridisk bistand", 2000, 80000, 1)),
    ),
    "ENERGI": (
        ("Energi", "Forsyning", "Varme", "Vand"),
        (("El, kvartal", 5000, 250000, 1), ("Fjernvarme, kvartal", 8000, 300000, 1),
         ("Vand, kvartal", 2000, 60000, 1)),
    ),
}
FEE_ITEMS = (
    ("Fragtgebyr", 79, 250), ("Ekspeditionsgebyr", 25, 95), ("Miljøgebyr", 15, 60),
    ("Faktureringsgebyr", 25, 75), ("Småordregebyr", 50, 150),
)

DK_NAME_PREFIXES = (
    "Nordisk", "Dansk", "Øresund", "Sjællands", "Københavns", "Jysk", "City", "Nord", "Øst",
    "Pro", "Grøn", "Blå", "Nova", "Hoved", "Amager", "Valby", "Frederiksberg", "Scandi", "Bella",
)
DK_LEGAL_FORMS = ("A/S", "ApS", "ApS", "A/S", "I/S", "IVS")
FOREIGN = {
    # country: (legal forms, name stems, IBAN length)
    "DE": (("GmbH", "AG", "GmbH & Co. KG"), ("Büro Schmidt", "Technik Weber", "Müller", "Medizintechnik Bauer", "Nordwerk"), 22),
    "SE": (("AB",), ("Svensk Kontor", "Lindqvist", "Nordic Care", "Göta Data", "Ström"), 24),
    "NO": (("AS",), ("Fjord Teknikk", "Nordmann", "Berg Service", "Vest Data"), 15),
    "NL": (("B.V.",), ("Van Dijk", "Hollandia Office", "De Vries Medical"), 18),
    "GB": (("Ltd",), ("Thames Software", "Kingsley", "Oxford Analytics"), 22),
    "FI": (("Oy",), ("Suomen Data", "Virtanen", "Lakeside Systems"), 18),
    "FR": (("SAS", "SARL"), ("Dupont", "Bureau Lefèvre", "Ingénierie Martin"), 27),
    "PL": (("Sp. z o.o.",), ("Kowalski", "Polmed", "Wisła Serwis"), 28),
}
FOREIGN_COUNTRY_WEIGHTS = (("DE", 35), ("SE", 20), ("NO", 10), ("NL", 10), ("GB", 10), ("FI", 5), ("FR", 5), ("PL", 5))

# Free-text comments. Some hold `;`, `"` and line breaks on purpose: the contract says Kommentar may.
COMMENTS = {
    "RETURNERET": (
        "Ikke bestilt af os",
        "Ordrenummer findes ikke; send til Kreditor",
        'Leverandøren har skrevet "se aftale" i stedet for ordrenummer',
        "Beløbet stemmer ikke med ordren.\nBed om kreditnota",
        "Fakturaen hører til en anden enhed",
        "Gebyr er ikke aftalt",
        'Varen er ikke modtaget; "restordre" ifølge leverandør',
        "Forkert EAN på fakturaen",
    ),
    "AFVIST": (
        "Afvist: dublet af tidligere faktura",
        "Mangler ordrenummer. Leverandøren er kontaktet",
        'Afvist; jf. aftale skal der stå "IO-nummer" på fakturaen',
        "Pris afviger fra aftalen\nNy faktura ønskes",
        "Forkerte betalingsoplysninger",
    ),
    "KORRIGERET": (
        "Ordrenummer rettet",
        "Betalingsoplysning rettet efter kontakt med leverandør",
        "Gebyrlinje matchet manuelt; ordren opdateret",
        'Modtager rettet til "rette" EAN',
        "Rettet i Kreditor\nSe sagsnotat",
    ),
    "SPÆRRET": (
        "Spærret: kontonummer skal bekræftes",
        "Afventer kreditnota",
        'Mulig dublet; "tjek" før betaling',
        "Spærret efter henvendelse fra forvaltningen\nAfventer svar",
    ),
    "VIDERESENDT": (
        "Videresendt til rette godkender",
        "Medarbejder fratrådt; sendt til leder",
        "Sendt videre; se bilag",
    ),
    "ANNULLERET": (
        "Annulleret: modtaget to gange",
        'Testfaktura; "slettes"',
    ),
    "GODKENDT": (
        "OK",
        "Godkendt efter aftale med leverandør",
    ),
}
