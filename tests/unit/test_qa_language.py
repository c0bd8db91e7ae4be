"""detect_language beyond the thirteen core languages: Nordic, Finnish, Czech, Turkish and whatever CLD2
is sure of, without losing the core ones."""
from __future__ import annotations

import pytest

from chalicelib.core.mail.language import detect_language
from chalicelib.core.mail.quotes import new_text

NORDIC_AND_MORE = [
    ("sv", "Fråga om leverans", "Hej!\n\nVi har inte fått vår leverans ännu. När kommer den?"),
    ("sv", "Offert", "Hej, kan ni skicka en offert på 20 rullar sträckfilm?\n\nMed vänliga hälsningar\nÅsa Öberg"),
    ("sv", "", "Tack, vi har fått fakturan."),
    ("sv", "SV: Order 55", "Vi behöver leveransen till vårt lager i Göteborg senast på fredag, annars måste vi "
                           "avboka ordern. Kan ni bekräfta att det går att ordna?"),
    ("da", "", "Hej,\n\nkan I sende et tilbud på strækfilm? Vi bruger ca. 3 paller om måneden."),
    ("da", "Faktura", "Tak, vi har modtaget fakturaen."),
    ("da", "Levering", "Hvornår kommer leveringen? Vi har ikke hørt noget fra jer."),
    ("da", "SV: Ordre 55", "Vi mangler stadig to paller fra sidste uge, og vores kunde venter på varen. Kan I "
                           "give os en ny leveringsdato hurtigst muligt?\n\nVenlig hilsen\nSøren Kjær"),
    ("no", "SV: Faktura 1234", "Hei,\n\nfakturaen har feil beløp. Kan dere sende en ny?"),
    ("no", "", "Hei Ola, tilbudet kommer i morgen."),
    ("no", "Tilbud", "Hei, vi trenger et tilbud på strekkfilm, 10 paller hver måned. Kan dere levere til Tromsø?"),
    ("no", "Levering", "Takk for svaret. Når kan dere levere resten av ordren til lageret vårt i Bergen? "
                       "Vi trenger varene før neste uke."),
    ("fi", "Tarjous", "Hei, voisitteko lähettää tarjouksen 20 rullasta kelmua? Kiitos"),
    ("fi", "", "Kiitos, lasku on vastaanotettu."),
    ("fi", "Toimitus", "Tilauksemme ei ole vielä saapunut, vaikka sen piti tulla jo maanantaina. Voitteko "
                       "tarkistaa, missä lähetys on nyt?\n\nYstävällisin terveisin\nMatti Virtanen"),
    ("cs", "Nabídka", "Dobrý den, prosím o zaslání nabídky na 20 rolí fólie. Děkuji"),
    ("cs", "", "Děkuji, fakturu jsme obdrželi."),
    ("cs", "Dodávka", "Dobrý den, naše objednávka stále nedorazila, přestože měla být doručena už v pondělí. "
                      "Můžete prosím zjistit, kde se zásilka nachází?\n\nS pozdravem\nJan Novák"),
    ("tr", "Teklif", "Merhaba, 20 rulo streç film için fiyat teklifi alabilir miyiz? Teşekkürler"),
    ("tr", "", "Teşekkürler, faturayı aldık."),
    ("tr", "Teslimat", "Merhaba, siparişimiz hâlâ gelmedi. Pazartesi teslim edilmesi gerekiyordu, kargonun "
                       "nerede olduğunu kontrol edebilir misiniz?\n\nSaygılarımla\nAyşe Yılmaz"),
    ("hu", "Árajánlat", "Jó napot, kérem küldjenek árajánlatot húsz tekercs fóliára, amelyet a jövő héten "
                        "szeretnénk megrendelni a raktárunkba."),
    ("ro", "Ofertă", "Bună ziua, vă rugăm să ne trimiteți o ofertă pentru douăzeci de role de folie stretch, "
                     "pe care dorim să le comandăm săptămâna viitoare."),
]


@pytest.mark.parametrize(("language", "subject", "body"), NORDIC_AND_MORE,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(NORDIC_AND_MORE)])
def test_a_request_outside_the_core_languages_gets_its_own_language(language, subject, body):
    assert detect_language(subject, body) == language
    assert detect_language(subject, new_text(body) or body) == language


@pytest.mark.parametrize(("body", "expected"), [
    ("Hej!\n\nVi har inte fått vår leverans ännu.", "sv"),
    ("Wir haben die Lieferung noch nicht erhalten.", "de"),
    ("Hei, fakturaen har feil beløp.", "no"),
    ("Hej, fakturaen har forkert beløb.", "da"),
    ("Proszę o fakturę i potwierdzenie dostawy.", "pl"),
])
def test_nordic_letters_no_longer_make_swedish_german_or_norwegian_polish(body, expected):
    assert detect_language("", body) == expected


@pytest.mark.parametrize(("body", "expected"), [
    ("Tak for leveringen", "da"),
    ("Takk for leveransen", "no"),
    ("Tack för leveransen", "sv"),
    ("Kiitos toimituksesta", "fi"),
    ("Děkuji za dodávku", "cs"),
    ("Thanks for the delivery", "en"),
    ("Danke für die Lieferung", "de"),
])
def test_a_short_thank_you_where_cld2_leans_to_english_is_told_by_its_words(body, expected):
    assert detect_language("", body) == expected


def test_norwegian_nynorsk_is_norwegian():
    nynorsk = ("Vi har ikkje fått varene enno, og kunden vår ventar. Kan de sjekke kvar sendinga er no "
               "og gje oss ein ny leveringsdato?")
    assert detect_language("Levering", nynorsk) == "no"


def test_the_same_nordic_text_always_gets_the_same_language():
    for language, subject, body in NORDIC_AND_MORE:
        assert {detect_language(subject, body) for _ in range(3)} == {language}
