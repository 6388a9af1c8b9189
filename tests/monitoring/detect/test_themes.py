"""The seed's scams in reviews: the seller asking to close a dispute, to pay outside the platform, to talk on
WhatsApp / email, to pay extra after the order, to confirm delivery early — in the review languages."""

import pytest

from monitoring.detect.advice import THEME_ADVICE
from monitoring.detect.themes import THEMES, label, themes_in

CASES = {
    "close_dispute": [
        "The seller begged me to close the dispute and promised a refund that never came",
        "El vendedor me pidió cerrar la disputa",
        "O vendedor pediu para cancelar a disputa",
        "Le vendeur m'a demandé d'annuler le litige",
        "Der Verkäufer wollte, dass ich den Streitfall schließen soll",
        "Sprzedawca prosił, żebym zamknęła spor",
        "Продавец просит закрыть спор",
        "Penjual minta tutup sengketa",
        "Il venditore mi ha chiesto di chiudere la disputa",
        "Verkoper vroeg om het geschil te sluiten",
        "Satıcı itirazı kapatmamı istedi",
    ],
    "pay_off_platform": [
        "He wanted me to pay via PayPal instead",
        "Asked to pay outside AliExpress for a discount",
        "Quería que pagara fuera de la plataforma",
        "Pediu para pagar por pix",
        "Il voulait que je paie hors de la plateforme, payer par virement",
        "Wollte, dass ich außerhalb von AliExpress bezahle",
        "Kazał płacić poza platformą",
        "Просил оплатить вне площадки",
        "Disuruh bayar di luar aplikasi",
        "Voleva pagare tramite bonifico",
        "Wilde dat ik buiten het platform betaal",
        "Platform dışında ödeme istedi",
    ],
    "off_platform_contact": [
        "Seller keeps telling me to message him on WhatsApp",
        "Contact me by email, he said",
        "Me pidió mi correo para hablar",
        "Mandou falar pelo zap",
        "Il m'a dit de le contacter par e-mail",
        "Ich sollte ihn per E-Mail kontaktieren",
        "Kazał napisać na maila",
        "Продавец пишет в ватсап",
        "Disuruh hubungi via wa",
        "Mi ha detto di scrivere via email",
        "Telegram only, no answer here",
        "E-posta ile iletişim istedi",
    ],
    "extra_fees": [
        "After the order the seller asked me to pay extra for shipping",
        "They charged an additional fee after I paid",
        "Pidieron un pago adicional después del pedido",
        "Cobraram taxa extra",
        "Des frais supplémentaires après la commande",
        "Ich musste nachzahlen",
        "Просили доплату за доставку",
    ],
    "confirm_early": [
        "Seller asked me to confirm delivery before it arrived",
        "He told me to mark it as received so he gets paid",
        "Me pidió confirmar la entrega antes de recibirlo",
        "Pediu para confirmar o recebimento",
        "Il m'a demandé de confirmer la réception",
        "Ich soll den Empfang bestätigen, obwohl nichts da ist",
        "Kazał potwierdzić odbiór przed dostawą",
        "Просит подтвердить получение заранее",
        "Minta konfirmasi pesanan diterima",
        "Mi ha chiesto di confermare la ricezione",
        "Ik moest de ontvangst bevestigen",
        "Teslimatı onayla dedi",
    ],
}


@pytest.mark.parametrize(("theme", "text"), [(t, x) for t, texts in CASES.items() for x in texts])
def test_new_themes_are_found(theme, text):
    assert theme in themes_in(text), (theme, text, themes_in(text))


@pytest.mark.parametrize(
    "text",
    [
        "Great product, fast shipping, seller answered quickly",
        "I opened a dispute and got a full refund",  # the buyer's own dispute: not the seller's request
        "Arrived in 10 days, I confirm it is as described",
        "Paid with PayPal at checkout, all fine",
        "Producto excelente, llegó rápido",
    ],
)
def test_ordinary_reviews_name_none_of_the_new_themes(text):
    assert not set(themes_in(text)) & {"close_dispute", "pay_off_platform", "off_platform_contact", "confirm_early"}


def test_each_theme_has_a_label_and_advice():
    for theme in ("close_dispute", "pay_off_platform", "off_platform_contact", "extra_fees", "confirm_early"):
        assert theme in THEMES and label(theme) != theme.replace("_", " ")
        assert theme in THEME_ADVICE


def test_the_seller_asking_for_extra_on_whatsapp_names_both():
    assert themes_in("Seller asked me to pay an extra fee on WhatsApp") == ["extra_fees", "off_platform_contact"]
    assert themes_in("Seller asked me to pay extra shipping fees outside AliExpress.") == [
        "extra_fees",
        "pay_off_platform",
    ]
