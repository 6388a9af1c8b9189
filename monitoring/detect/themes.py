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
        "label": "extra fees after ordering",
        "phrases": [
            r"(?:extra|additional|hidden|customs) (?:shipping )?(?:fee|charge|payment|cost)s?",
            r"asked (?:me )?(?:to pay|for) more",
            r"pay (?:more|extra|again)\b",
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
    # The seed's scams: the seller steering the buyer out of the platform's protection.
    "pay_off_platform": {
        "label": "asked to pay outside the platform",
        "phrases": [
            r"pay (?:outside|off[- ]platform|directly|via paypal|by paypal|through paypal|by bank transfer|"
            r"via western union)",
            r"off[- ]platform",
            r"outside (?:of )?(?:aliexpress|the platform|the app|the site)",
            r"pag\w* fuera de (?:la plataforma|aliexpress)",
            r"pag(?:ar|o) (?:por|con) (?:paypal|transferencia|western union)",
            r"pag\w* fora d(?:a plataforma|o aliexpress)",
            r"pagar (?:por|via|pelo) (?:paypal|pix|transfer[eê]ncia)",
            r"pa(?:yer|ie|ies|yez) (?:en dehors|hors) (?:de )?(?:la plateforme|aliexpress)",
            r"payer (?:par|via) (?:paypal|virement|western union)",
            r"au[sß]erhalb (?:von |der )?(?:aliexpress|plattform)",
            r"(?:per|[uü]ber) (?:paypal|[uü]berweisung|western union) (?:zu )?(?:bezahlen|zahlen)",
            r"poza (?:platform[aąę]|aliexpress)",
            r"оплат\w* (?:вне|мимо) (?:площадки|платформы|алиэкспресс|aliexpress)",
            r"(?:оплатить|перевести|перевод) (?:на карту|напрямую)",
            r"bayar (?:di luar|langsung|lewat transfer)",
            r"di luar (?:platform|aplikasi|aliexpress)",
            r"pagare (?:fuori|al di fuori) (?:dalla piattaforma|da aliexpress)",
            r"pagare (?:con|tramite) (?:paypal|bonifico)",
            r"buiten (?:het platform|aliexpress)",
            r"betalen (?:via|met) (?:paypal|overschrijving)",
            r"(?:platform|aliexpress) d[ıi][sş][ıi]nda",
        ],
    },
    "off_platform_contact": {
        "label": "moved to WhatsApp / email",
        "phrases": [
            r"\bwhats ?app\b",
            r"\btelegram\b",
            r"\bwechat\b",
            r"contact (?:me|us|him|her|the seller) (?:on|via|by|at|through) (?:e-?mail|skype|phone)",
            r"(?:send|write|message) (?:me|us|him|her) (?:an? |by )?e-?mail",
            r"(?:asked|wants?|wanted) (?:me )?(?:for|to give|to send) (?:him |her )?(?:my )?(?:e-?mail|phone number)",
            r"(?:escribir|contactar|hablar|escr[ií]beme) (?:por|al) (?:correo|e-?mail)",
            r"(?:me )?pidi[oó] (?:mi )?(?:correo|n[uú]mero)",
            r"(?:falar|contato|contatar|chamar) (?:pelo|por) (?:e-?mail|zap)",
            r"(?:contacter|[ée]crire|parler) par (?:e-?mail|mail|courriel)",
            r"per (?:e-?mail|mail) (?:kontaktieren|schreiben|melden)",
            r"(?:napisa[cć]|kontakt\w*) (?:na|przez) (?:maila|e-?mail)",
            r"ватсап|вотсап|вацап|телеграм",
            r"(?:написать|пишите|напишите) на (?:почту|e-?mail|емейл)",
            r"(?:hubungi|chat) (?:via|lewat|melalui) (?:wa|email|e-mail)",
            r"(?:contattare|scrivere|contattarlo) (?:via|per) (?:e-?mail|mail)",
            r"(?:contact|mailen|appen) (?:via|per) (?:e-?mail|mail)",
            r"e-?posta (?:ile|yoluyla|[uü]zerinden)",
        ],
    },
    "close_dispute": {
        "label": "pressed to close the dispute",
        "phrases": [
            r"(?:close|cancel|withdraw|remove|drop) (?:the |my |your |this )?(?:dispute|claim|complaint|case)",
            r"(?:cerrar|cancelar|retirar) (?:la |el |mi )?(?:disputa|reclamo|reclamaci[oó]n)",
            r"(?:fechar|cancelar|retirar) (?:a |o |minha )?(?:disputa|reclama[cç][aã]o)",
            r"(?:fermer|annuler|retirer|cl[oô]turer) (?:le |la |mon |ma )?(?:litige|r[ée]clamation)",
            r"(?:streitfall|reklamation|disput|beschwerde|k[aä]uferschutzfall) (?:zu )?(?:schlie[sß]en|schliessen|"
            r"zur[uü]ckziehen|abbrechen)",
            r"(?:zamkn|anulow|wycofa)\w* (?:spor|reklamacj|dysput)",
            r"(?:закрыть|закрой|закройте|отменить|отмените) (?:спор|диспут|претензию)",
            r"(?:tutup|batalkan|menutup|membatalkan) (?:sengketa|komplain|dispute)",
            r"(?:chiudere|annullare|ritirare) (?:la |il )?(?:disputa|contestazione|reclamo)",
            r"(?:geschil|dispuut|claim) (?:te )?(?:sluiten|annuleren|intrekken)",
            r"(?:anla[sş]mazl[ıi][gğ][ıi]|itiraz[ıi]) (?:kapat|iptal)",
        ],
    },
    "confirm_early": {
        "label": "asked to confirm delivery early",
        "phrases": [
            r"confirm (?:the )?(?:delivery|receipt|order received)",
            r"confirm (?:that )?(?:i )?(?:it |i )?(?:was |have )?(?:received|delivered)",
            r"mark (?:it |the order )?as (?:received|delivered)",
            r"confirmar (?:la |el )?(?:entrega|recepci[oó]n|recibido|pedido recibido)",
            r"confirmar (?:o )?(?:recebimento|entrega)",
            r"confirmer (?:la )?(?:r[ée]ception|livraison)",
            r"(?:empfang|erhalt|lieferung) (?:zu )?best[aä]tigen",
            r"potwierdzi[cć] (?:odbi[oó]r|dostaw|otrzymanie)",
            r"подтвердить (?:получение|доставку)",
            r"konfirmasi (?:penerimaan|pesanan diterima|diterima)",
            r"confermare (?:la )?(?:ricezione|consegna)",
            r"(?:ontvangst|levering) (?:te )?bevestigen",
            r"(?:teslim al[ıi]nd[ıi]|teslimat[ıi]?) onayla",
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
