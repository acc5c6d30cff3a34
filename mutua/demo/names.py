"""Italian names, streets, postal codes and banks the demo data is drawn from."""

from __future__ import annotations

MALE_NAMES = (
    "Alessandro", "Andrea", "Antonio", "Carlo", "Claudio", "Daniele", "Davide", "Domenico", "Emanuele",
    "Enrico", "Fabio", "Federico", "Francesco", "Gabriele", "Giacomo", "Gianluca", "Giorgio", "Giovanni",
    "Giuseppe", "Lorenzo", "Luca", "Luigi", "Marco", "Mario", "Massimo", "Matteo", "Maurizio", "Michele",
    "Nicola", "Paolo", "Pietro", "Raffaele", "Riccardo", "Roberto", "Salvatore", "Simone", "Stefano",
    "Tommaso", "Vincenzo", "Vittorio", "Niccolò", "Edoardo", "Filippo", "Leonardo", "Samuele",
)  # fmt: skip

FEMALE_NAMES = (
    "Alessandra", "Alice", "Angela", "Anna", "Antonella", "Barbara", "Beatrice", "Camilla", "Carla",
    "Caterina", "Chiara", "Cristina", "Daniela", "Elena", "Elisa", "Emma", "Federica", "Francesca",
    "Gabriella", "Giada", "Giorgia", "Giulia", "Ilaria", "Laura", "Lucia", "Manuela", "Maria", "Marta",
    "Martina", "Monica", "Paola", "Patrizia", "Roberta", "Rosa", "Sara", "Silvia", "Simona", "Sofia",
    "Stefania", "Teresa", "Valentina", "Valeria", "Aurora", "Greta", "Noemi",
)  # fmt: skip

SURNAMES = (
    "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
    "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo", "Lombardi", "Moretti",
    "Barbieri", "Fontana", "Santoro", "Mariani", "Rinaldi", "Caruso", "Ferrara", "Galli", "Martini",
    "Leone", "Longo", "Gentile", "Martinelli", "Vitale", "Lombardo", "Serra", "Coppola", "De Santis",
    "D'Angelo", "Marchetti", "Parisi", "Villa", "Conte", "Ferraro", "Ferri", "Fabbri", "Bianco", "Marini",
    "Grasso", "Valentini", "Messina", "Sala", "De Angelis", "Gatti", "Pellegrini", "Palumbo", "Sanna",
    "Farina", "Rizzi", "Monti", "Cattaneo", "Morelli", "Amato", "Silvestri", "Mazza", "Testa", "Grassi",
    "Pellegrino", "Carbone", "Giuliani", "Benedetti", "Barone", "Rossetti", "Caputo", "Montanari",
    "Guerra", "Palmieri", "Bernardi", "Martino", "Fiore", "De Rosa", "Ferretti", "Bellini", "Basile",
    "Riva", "Donati", "Piras", "Vitali", "Battaglia", "Sartori", "Neri", "Costantini", "Milani",
    "Pagano", "Ruggiero", "Sorrentino", "D'Amico", "Orlando", "Negri", "Lo Russo", "Di Stefano",
    "Fumagalli", "Brambilla", "Bertolini", "Zanetti", "Cocco", "Melis", "Puglisi", "Lentini", "Cuomo",
)  # fmt: skip

STREETS = (
    "Via Roma", "Via Giuseppe Garibaldi", "Via Giuseppe Mazzini", "Corso Vittorio Emanuele II",
    "Via Dante Alighieri", "Piazza Cavour", "Via Giacomo Matteotti", "Viale della Repubblica",
    "Via XX Settembre", "Via Cesare Battisti", "Via Nazionale", "Corso Italia", "Via Alessandro Manzoni",
    "Via Guglielmo Marconi", "Via Antonio Gramsci", "Viale Europa", "Via della Libertà", "Via Trieste",
    "Via Trento", "Via San Francesco", "Via Fratelli Rosselli", "Via IV Novembre", "Via Vittorio Veneto",
    "Via Camillo Benso di Cavour", "Via Aldo Moro", "Via Giovanni Verga", "Via Luigi Pirandello",
    "Via Giacomo Leopardi", "Via delle Rose", "Via dei Mille",
)  # fmt: skip

# The CAP of the chief town (capoluogo) of each province, by sigla.
CAPITAL_CAP = {
    "AG": "92100", "AL": "15121", "AN": "60121", "AR": "52100", "AP": "63100", "AT": "14100", "AV": "83100",
    "BA": "70121", "BT": "76121", "BL": "32100", "BN": "82100", "BG": "24121", "BI": "13900", "BO": "40121",
    "BZ": "39100", "BS": "25121", "BR": "72100", "CA": "09121", "CL": "93100", "CB": "86100", "CE": "81100",
    "CT": "95121", "CZ": "88100", "CH": "66100", "CO": "22100", "CS": "87100", "CR": "26100", "KR": "88900",
    "CN": "12100", "EN": "94100", "FM": "63900", "FE": "44121", "FI": "50121", "FG": "71121", "FC": "47121",
    "FR": "03100", "OT": "07026", "GE": "16121", "GO": "34170", "GR": "58100", "IM": "18100", "IS": "86170",
    "SP": "19121", "AQ": "67100", "LT": "04100", "LE": "73100", "LC": "23900", "LI": "57121", "LO": "26900",
    "LU": "55100", "MC": "62100", "MN": "46100", "MS": "54100", "MT": "75100", "VS": "09025", "ME": "98121",
    "MI": "20121", "MO": "41121", "MB": "20900", "NA": "80121", "NO": "28100", "NU": "08100", "OG": "08045",
    "OR": "09170", "PD": "35121", "PA": "90121", "PR": "43121", "PV": "27100", "PG": "06121", "PU": "61121",
    "PE": "65121", "PC": "29121", "PI": "56121", "PT": "51100", "PN": "33170", "PZ": "85100", "PO": "59100",
    "RG": "97100", "RA": "48121", "RC": "89121", "RE": "42121", "RI": "02100", "RN": "47921", "RM": "00185",
    "RO": "45100", "SA": "84121", "SS": "07100", "SV": "17100", "SI": "53100", "SR": "96100", "SO": "23100",
    "CI": "09013", "TA": "74121", "TE": "64100", "TR": "05100", "TO": "10121", "TP": "91100", "TN": "38121",
    "TV": "31100", "TS": "34121", "UD": "33100", "AO": "11100", "VA": "21100", "VE": "30121", "VB": "28922",
    "VC": "13100", "VR": "37121", "VV": "89900", "VI": "36100", "VT": "01100",
}  # fmt: skip

# Where most members live: big provinces weigh more, every province appears.
PROVINCE_WEIGHTS = {"RM": 12, "MI": 12, "NA": 9, "TO": 7, "PA": 5, "BA": 4, "BO": 4, "FI": 4, "GE": 3, "VE": 3}

# ABI + CAB of real Italian bank branches (schwifty knows their names and BICs).
BANK_CODES = (
    "0306909606",  # Intesa Sanpaolo
    "0200801600",  # UniCredit
    "0100503200",  # BNL
    "0503401600",  # Banco BPM
    "0538712900",  # BPER
    "0103002800",  # Monte dei Paschi di Siena
    "0623003200",  # Crédit Agricole Italia
    "0301503200",  # FinecoBank
)

MOBILE_PREFIXES = (
    "320", "324", "328", "329", "331", "333", "334", "335", "338", "339", "340", "342", "345", "347",
    "348", "349", "351", "366", "380", "388", "392", "393",
)  # fmt: skip

# Regional offices: region, code, the province of the office, street address, phone.
REGIONAL_OFFICES = (
    ("Lombardia", "LOM", "MI", "Viale Monza 12", "02 8901 2001"),
    ("Lazio", "LAZ", "RM", "Via Nazionale 87", "06 4890 2002"),
    ("Campania", "CAM", "NA", "Via Toledo 156", "081 490 2003"),
    ("Emilia-Romagna", "EMR", "BO", "Via Marconi 34", "051 490 2004"),
    ("Veneto", "VEN", "VE", "Via Torino 105", "041 490 2005"),
    ("Piemonte", "PIE", "TO", "Corso Vittorio Emanuele II 64", "011 490 2006"),
    ("Toscana", "TOS", "FI", "Viale Belfiore 10", "055 490 2007"),
    ("Sicilia", "SIC", "PA", "Via Libertà 171", "091 490 2008"),
)

CATEGORIES = (
    ("alta-diagnostica", "Alta diagnostica"),
    ("analisi", "Analisi"),
    ("interventi-chirurgici", "Interventi chirurgici"),
    ("riabilitazione", "Riabilitazione"),
    ("odontoiatria", "Odontoiatria"),
    ("fisioterapia", "Fisioterapia"),
    ("visite-specialistiche", "Visite specialistiche"),
)

SAINTS = (
    "San Luca", "Santa Rita", "San Giorgio", "Sant'Anna", "San Marco", "Santa Chiara", "San Michele",
    "Santa Lucia", "San Francesco", "San Giuseppe", "Santa Maria", "San Paolo", "Sant'Agostino",
)  # fmt: skip
VILLAS = (
    "Villa Serena", "Villa Fiorita", "Villa dei Pini", "Villa Aurora", "Villa Bianca", "Villa Letizia",
    "Villa delle Querce", "Villa Verde", "Villa Igea", "Villa Maria",
)  # fmt: skip
PLACES = ("Duomo", "Stazione", "Porta Nuova", "Borgo Antico", "Castello", "Le Torri", "Europa", "Meridiana", "Il Faro")

# Kinds of provider: the name pattern and the categories it offers. The first three are always present.
PROVIDER_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Poliambulatorio {saint}", ("visite-specialistiche", "analisi", "fisioterapia")),
    ("Studio Dentistico {doctor}", ("odontoiatria",)),
    ("Centro Diagnostico {place}", ("alta-diagnostica", "analisi")),
    ("Casa di Cura {villa}", ("interventi-chirurgici", "alta-diagnostica", "visite-specialistiche", "riabilitazione")),
    ("Laboratorio Analisi {surname}", ("analisi",)),
    ("Centro di Fisioterapia {place}", ("fisioterapia", "riabilitazione")),
    ("Istituto di Riabilitazione {saint}", ("riabilitazione", "fisioterapia")),
    ("Studio Medico Associato {surname}", ("visite-specialistiche",)),
    ("Centro Odontoiatrico {place}", ("odontoiatria",)),
    ("Clinica {villa}", ("interventi-chirurgici", "visite-specialistiche", "alta-diagnostica")),
)

# What members pay for, by category: the range of an invoice in euro.
EXPENSE_RANGES = {
    "visite-specialistiche": (80, 220),
    "analisi": (35, 180),  # above every plan's minimum withholding
    "alta-diagnostica": (120, 480),
    "fisioterapia": (250, 900),
    "riabilitazione": (300, 1200),
    "odontoiatria": (150, 2800),
    "interventi-chirurgici": (1500, 9000),
}

REJECTION_REASONS = (
    "Documentazione presentata oltre i termini previsti dal regolamento.",
    "Prestazione non prevista dalla forma di assistenza.",
    "Fattura non intestata all'assistito né a un familiare avente diritto.",
)
SUSPENSION_ITEMS = (  # documents an operator asks for, as the member reads them
    "copia leggibile della fattura",
    "prescrizione medica con il quesito diagnostico",
    "lettera di dimissione",
)
EMPLOYER_KINDS = ("Costruzioni", "Logistica", "Servizi", "Impianti", "Trasporti", "Alimentari", "Informatica")
BLOCK_REASON = (
    "Posizione contributiva non regolare: risulta da versare il contributo {year}. "
    "Regolarizza il pagamento o contatta la tua sede regionale."
)
