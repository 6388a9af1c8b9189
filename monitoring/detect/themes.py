"""Complaint themes in negative reviews: the scam patterns buyers warn about, in the languages reviews come in.

The phrase lists are data: add a phrase to teach a new wording. Matching is on lower-cased text, original and
the platform's translation together, with word boundaries where the language has them.
"""

from __future__ import annotations

import re

THEMES: dict[str, dict] = {
    "not_as_described": {
        "label": "not as described",
        "phrases": [
            r"not as (?:described|pictured|shown|advertised|in the (?:photo|picture)s?)",
            r"(?:doesn'?t|does not|didn'?t|did not) match (?:the )?(?:description|photos?|pictures?)",
            r"different (?:from|than) (?:the )?(?:description|photos?|pictures?)",
            r"misleading",
            r"no es como (?:en la foto|se describe|la descripci[oó]n)",
            r"no corresponde",
            r"no coincide",
            r"diferente (?:a|de) la (?:foto|imagen|descripci[oó]n)",
            r"n[aã]o (?:[ée]|est[aá]) (?:como|conforme) (?:descrito|a descri[cç][aã]o|na foto)",
            r"diferente da (?:foto|descri[cç][aã]o)",
            r"pas conforme",
            r"ne correspond pas",
            r"diff[ée]rent de la (?:photo|description)",
            r"nicht wie (?:beschrieben|abgebildet)",
            r"entspricht nicht",
            r"anders als (?:beschrieben|abgebildet)",
            r"niezgodn\w* z opisem",
            r"nie (?:jak|taki jak) na zdj[eę]ciu",
            r"не соответству\w* (?:описанию|фото)",
            r"не как на (?:фото|картинке)",
            r"tidak sesuai (?:deskripsi|gambar|foto)?",
            r"non (?:conforme|come descritto|corrisponde)",
            r"niet zoals (?:beschreven|afgebeeld)",
            r"a[cç][ıi]klamadaki gibi de[gğ]il",
        ],
    },
    "never_arrived": {
        "label": "never arrived / fake tracking",
        "phrases": [
            r"never (?:arrived|received|came|got it|delivered)",
            r"(?:not|haven'?t|have not) (?:been )?received",
            r"(?:didn'?t|did not|hasn'?t|has not) (?:arrive|arrived|come)",
            r"still (?:waiting|not arrived)",
            r"fake tracking",
            r"tracking (?:number )?(?:doesn'?t|does not|is not|isn'?t) (?:work|valid|updat)",
            r"tracking (?:is )?(?:fake|invalid|not updated)",
            r"no tracking",
            r"lost (?:in transit|package|parcel)",
            r"nunca (?:lleg[oó]|me lleg[oó]|recib[ií])",
            r"no (?:me )?(?:ha )?lleg(?:[oó]|ado)",
            r"no recib[ií]",
            r"nunca chegou",
            r"n[aã]o (?:recebi|chegou)",
            r"(?:rastreio|seguimiento|rastreo) falso",
            r"suivi faux",
            r"jamais (?:re[cç]u|arriv[ée])",
            r"(?:pas|rien) re[cç]u",
            r"colis perdu",
            r"nie angekommen",
            r"nicht (?:erhalten|angekommen|geliefert)",
            r"nie erhalten",
            r"nie (?:otrzyma[łl]\w*|dosz[łl]\w*|dotar[łl]\w*)",
            r"paczka nie dotar",
            r"не (?:пришел|пришёл|пришла|пришло|получил\w*)",
            r"трек не отслеживается",
            r"посылка потерял",
            r"(?:tidak|belum) (?:sampai|diterima|datang)",
            r"mai arrivat[oa]",
            r"non (?:ricevuto|arrivato)",
            r"nooit aangekomen",
            r"niet ontvangen",
            r"gelmedi",
            r"ula[sş]mad[ıi]",
        ],
    },
    "counterfeit": {
        "label": "counterfeit / not genuine",
        "phrases": [
            r"\bfake\b",
            r"counterfeit",
            r"not (?:an? )?(?:original|genuine|authentic)",
            r"replica",
            r"knock-?off",
            r"fake certificate",
            r"falsificad[oa]",
            r"no es original",
            r"\bfals[oa]\b(?! seguimiento)",
            r"n[aã]o [ée] original",
            r"contrefa[cç]on",
            r"pas (?:un )?original",
            r"\bfaux\b",
            r"gef[aä]lscht",
            r"f[aä]lschung",
            r"nicht original",
            r"podr[oó]bka",
            r"nieoryginaln",
            r"подделк",
            r"не оригинал",
            r"\bpalsu\b",
            r"tidak asli",
            r"contraffatt",
            r"\bnep\b",
            r"\bsahte\b",
            r"taklit",
        ],
    },
    "broken_quality": {
        "label": "broken / poor quality",
        "phrases": [
            r"\bbroken\b",
            r"damaged",
            r"(?:doesn'?t|does not|didn'?t|did not|won'?t) work",
            r"not working",
            r"stopped working",
            r"(?:poor|bad|cheap|terrible|awful|low) quality",
            r"defective",
            r"cracked",
            r"\broto\b",
            r"no funciona",
            r"mala calidad",
            r"da[nñ]ad[oa]",
            r"quebrad[oa]",
            r"n[aã]o funciona",
            r"qualidade (?:ruim|p[eé]ssima|baixa)",
            r"defeituos[oa]",
            r"cass[ée]",
            r"ne (?:fonctionne|marche) pas",
            r"mauvaise qualit[ée]",
            r"kaputt",
            r"defekt",
            r"funktioniert nicht",
            r"schlechte qualit[aä]t",
            r"zepsut",
            r"uszkodzon",
            r"nie dzia[łl]a",
            r"s[łl]aba jako[sś][cć]",
            r"сломан",
            r"не работает",
            r"плохое качество",
            r"\bбрак\b",
            r"\brusak\b",
            r"tidak berfungsi",
            r"kualitas (?:buruk|jelek)",
            r"\brott[oa]\b",
            r"non funziona",
            r"scarsa qualit[aà]",
            r"\bkapot\b",
            r"werkt niet",
            r"slechte kwaliteit",
            r"\bbozuk\b",
            r"[cç]al[ıi][sş]m[ıi]yor",
            r"kalitesiz",
        ],
    },
    "wrong_item": {
        "label": "different item sent",
        "phrases": [
            r"wrong (?:item|product|size|colou?r|model|one)",
            r"different (?:item|product|model)",
            r"sent (?:me )?(?:the )?wrong",
            r"received (?:something else|a different)",
            r"not what i ordered",
            r"(?:producto|art[ií]culo) equivocado",
            r"me (?:enviaron|mandaron) otr[oa]",
            r"(?:produto|item) errado",
            r"mauvais (?:article|produit)",
            r"pas le bon (?:article|produit|mod[eè]le)",
            r"falsche[rns]? (?:artikel|produkt|gr[oö][sß]e|farbe)",
            r"(?:z[łl]y|inny) (?:produkt|towar|rozmiar)",
            r"не тот (?:товар|размер|цвет)",
            r"прислали друг",
            r"(?:barang|produk) salah",
            r"salah kirim",
            r"articolo sbagliato",
            r"verkeerd(?:e)? (?:artikel|product)",
            r"yanl[ıi][sş] [uü]r[uü]n",
        ],
    },
    "extra_fees": {
        "label": "extra fees / off-platform payment",
        "phrases": [
            r"(?:extra|additional|hidden|customs) (?:fee|charge|payment|cost)s?",
            r"asked (?:me )?(?:to pay|for) more",
            r"pay (?:more|outside|off[- ]platform|via paypal|by paypal)",
            r"off[- ]platform",
            r"contact (?:me|us) on whatsapp",
            r"\bwhatsapp\b",
            r"pago (?:extra|adicional)",
            r"(?:tarifa|cargo) adicional",
            r"cobrar m[aá]s",
            r"taxa (?:extra|adicional)",
            r"frais (?:suppl[ée]mentaires|de douane)",
            r"payer plus",
            r"(?:zus[aä]tzliche|extra) geb[uü]hr",
            r"nachzahl",
            r"dodatkow\w* op[łl]at",
            r"доплат",
            r"дополнительн\w* плат",
            r"biaya tambahan",
            r"cost[oi] aggiuntiv",
            r"extra kosten",
            r"ek [uü]cret",
        ],
    },
}

# Tracking complaints ("fake tracking", "the tracking number does not work") are delivery complaints: they
# must not count as counterfeit or broken-product complaints.
_TRACKING_COMPLAINT = re.compile(
    r"(?:tracking|seguimiento|rastreo|rastreio|suivi)(?: number| code| de \w+)? (?:does not|doesn'?t|did not|didn'?t|"
    r"is not|isn'?t|no) (?:work|valid|updat\w*|funciona)"
)
_FAKE_TRACKING = re.compile(
    r"(?:fake|falso|faux) (?:tracking|seguimiento|rastreo|rastreio|suivi)"
    r"|(?:tracking|seguimiento|rastreo|rastreio|suivi)(?: number| code| de \w+)? (?:is |was |seems |es |[ée] )?"
    r"(?:a |un )?(?:fake|falso|faux)"
)

_COMPILED = {theme: re.compile("|".join(f"(?:{p})" for p in spec["phrases"])) for theme, spec in THEMES.items()}


def themes_in(*texts: str) -> list[str]:
    """The complaint themes named in a review (original text and translation together), in THEMES order."""
    text = " ".join(t for t in texts if t).lower()
    if not text:
        return []
    found = []
    for theme, pattern in _COMPILED.items():
        haystack = text
        if theme in ("counterfeit", "broken_quality"):
            haystack = _TRACKING_COMPLAINT.sub(" ", _FAKE_TRACKING.sub(" ", text))
        if pattern.search(haystack):
            found.append(theme)
    return found


def label(theme: str) -> str:
    return THEMES.get(theme, {}).get("label", theme.replace("_", " "))
