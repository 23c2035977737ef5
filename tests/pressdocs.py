"""Press releases in five languages, and the documents the tests make of them: DOCX, ODT and RTF through
pandoc, PDFs through reportlab (a title in a larger font, a header and a footer on every page, two
columns, bold runs), scanned PDFs (a PDF rasterised by pypdfium2, the images wrapped in a PDF by Pillow)."""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import dataclass

import pypandoc


@dataclass
class Sample:
    language: str
    kind: str
    dateline: str
    title: str
    paragraphs: list[str]  # Markdown: **bold** runs
    contact: str
    header: str  # the publisher's line at the top of every PDF page
    page: str  # the page-number pattern of the footer, with {n} and {total}

    def markdown(self) -> str:
        """The text as the office documents and the PDFs give it back: the title as a level-1 heading."""
        return "\n\n".join([self.kind, self.dateline, f"# {self.title}", *self.paragraphs, self.contact]) + "\n"

    def body(self) -> list[str]:
        return self.paragraphs


SAMPLES = {
    "fr": Sample(
        "fr", "Communiqué de presse", "Montpellier, le 12 mars 2024",
        "La Région ouvre à Montpellier un lycée à énergie positive pour 1 200 élèves",
        ["Le nouveau lycée Simone-Veil accueillera **1 200 élèves dès la rentrée de septembre**, dans un bâtiment "
         "à énergie positive conçu avec les enseignants, les agents et les familles du quartier de la Mosson.",
         "Les travaux, engagés en 2021, ont coûté 62 millions d’euros, financés par la Région avec le soutien de "
         "l’État et de la Métropole. Le chantier a employé près de 300 personnes, dont une centaine en insertion.",
         "Le bâtiment produit plus d’énergie qu’il n’en consomme grâce à 4 000 mètres carrés de panneaux "
         "solaires, une chaufferie au bois et une ventilation naturelle. Les eaux de pluie arrosent les jardins "
         "pédagogiques et alimentent les sanitaires.",
         "« Ce lycée montre qu’un bâtiment public peut être à la fois beau, sobre et ouvert sur son quartier », "
         "a déclaré la présidente de la Région, qui inaugurera l’établissement le 2 septembre.",
         "Le lycée proposera des formations générales, technologiques et professionnelles, dont un BTS des "
         "métiers de l’énergie unique dans l’académie, ainsi qu’un internat de 120 places."],
        "Contact presse : Marie Durand - marie.durand@example.fr - Tél. : 04 67 22 80 00",
        "Région Occitanie - Service de presse", "{n}/{total}"),
    "de": Sample(
        "de", "Pressemitteilung", "Berlin, 26. Januar 2022",
        "Bundesministerium fördert den Ausbau schneller Ladesäulen an Autobahnen",
        ["Das Bundesministerium stellt **bis 2025 insgesamt 1,9 Milliarden Euro** für neue Schnellladepunkte "
         "an den Rastanlagen der Autobahnen bereit. Ziel ist ein lückenloses Netz für Elektrofahrzeuge.",
         "An rund 200 Standorten sollen bis zu 1 000 Ladepunkte mit einer Leistung von mindestens 150 Kilowatt "
         "entstehen. Die Ausschreibung beginnt im März und richtet sich an Betreiber aus ganz Europa.",
         "Die Ladesäulen müssen mit Strom aus erneuerbaren Quellen betrieben werden und allen Fahrerinnen und "
         "Fahrern ohne Vertrag offenstehen. Bezahlt wird einfach mit der Bankkarte.",
         "„Wer elektrisch fährt, muss sich auf das Netz verlassen können“, sagte der Bundesminister bei der "
         "Vorstellung des Programms in Berlin.",
         "Die ersten Standorte sollen Ende des Jahres in Betrieb gehen. Eine Karte aller geplanten Ladeparks "
         "wird auf der Internetseite des Ministeriums veröffentlicht."],
        "Pressekontakt: Anna Schmidt - presse@example.de - Tel.: +49 30 18300 3060",
        "Bundesministerium für Digitales und Verkehr - Pressestelle", "Seite {n} von {total}"),
    "it": Sample(
        "it", "Comunicato stampa", "Roma, 20 gennaio 2020",
        "Il Ministero avvia il piano nazionale per la scuola digitale nelle aree interne",
        ["Il Ministero destina **150 milioni di euro** alla connessione in banda ultralarga di 3 500 scuole "
         "delle aree interne e delle isole minori, con lavori che partiranno già in primavera.",
         "Il piano prevede anche la formazione di 20 000 docenti sull’uso didattico delle nuove tecnologie e "
         "l’acquisto di dispositivi in comodato d’uso gratuito per gli studenti che ne sono privi.",
         "Le scuole saranno scelte insieme alle Regioni sulla base della distanza dai servizi essenziali e "
         "della qualità attuale della connessione. L’elenco sarà pubblicato entro il mese di marzo.",
         "«Nessuno studente deve restare indietro perché vive lontano dalle città», ha dichiarato la Ministra "
         "durante la presentazione del piano alla Camera.",
         "I primi collegamenti saranno attivati in Sardegna, in Basilicata e nelle isole Eolie, dove il divario "
         "digitale è oggi più ampio."],
        "Ufficio stampa: Giulia Rossi - stampa@example.it - Tel. 06 5849 2201",
        "Ministero dell’Istruzione - Ufficio stampa", "Pagina {n} di {total}"),
    "es": Sample(
        "es", "Nota de prensa", "Madrid, 3 de marzo de 2021",
        "El Gobierno aprueba un plan de rehabilitación de viviendas con 6 820 millones de euros",
        ["El Consejo de Ministros ha aprobado hoy un plan que destinará **6 820 millones de euros** a la "
         "rehabilitación energética de 500 000 viviendas hasta 2026, con ayudas de hasta el 80 % del coste.",
         "Las comunidades autónomas gestionarán las convocatorias, que se abrirán en el segundo trimestre. "
         "Podrán solicitarlas los propietarios, las comunidades de vecinos y los ayuntamientos.",
         "Las obras deberán reducir al menos un 30 % el consumo de energía no renovable. Se dará prioridad a "
         "los edificios más antiguos y a los hogares con menos ingresos.",
         "«Rehabilitar es ahorrar en la factura y crear empleo en cada barrio», afirmó la ministra tras la "
         "reunión del Consejo.",
         "El Ministerio calcula que el plan creará unos 188 000 empleos y evitará la emisión de 1,5 millones de "
         "toneladas de dióxido de carbono cada año."],
        "Contacto de prensa: Lucía García - prensa@example.es - Tel.: 915 97 70 00",
        "Ministerio de Transportes - Gabinete de prensa", "Página {n} de {total}"),
    "nl": Sample(
        "nl", "Persbericht", "Brussel, 12 maart 2024",
        "Stad investeert 40 miljoen euro in veilige fietsroutes naar alle scholen",
        ["Het stadsbestuur trekt **40 miljoen euro** uit om tegen 2027 elke school via een veilige fietsroute "
         "bereikbaar te maken. Het gaat om 85 kilometer nieuwe en verbrede fietspaden.",
         "De routes worden samen met ouders, leerlingen en buurtbewoners uitgetekend. In april starten de eerste "
         "inspraakavonden in de wijken rond de grote scholencampussen.",
         "Op drukke kruispunten komen slimme verkeerslichten die fietsers voorrang geven tijdens de spitsuren. "
         "Schoolstraten worden bij het begin en einde van de lesdag afgesloten voor auto’s.",
         "„Kinderen moeten zelfstandig en veilig naar school kunnen fietsen”, zei de schepen van Mobiliteit "
         "bij de voorstelling van het plan.",
         "De werken aan de eerste vier routes beginnen na de zomervakantie. De stad publiceert elke maand een "
         "overzicht van de vorderingen op haar website."],
        "Perscontact: Jan Peeters - pers@example.be - Tel. 02 279 22 11",
        "Stad Brussel - Persdienst", "Pagina {n} van {total}"),
}


# -- office documents, through pandoc ----------------------------------------------------------------------

def pandoc(markdown: str, fmt: str) -> bytes:
    """A document written by pandoc from Markdown (DOCX, ODT; RTF with -s)."""
    # -smart: the quotes typed stay as they are (pandoc would make ' a ’)
    command = [pypandoc.get_pandoc_path(), "-f", "markdown-smart", "-t", fmt, "-s", "-o", "-"]
    return subprocess.run(command, input=markdown.encode(), capture_output=True, check=True).stdout


def office_source(sample: Sample) -> str:
    """The sample as an author types it: the title in the Title paragraph style."""
    return "\n\n".join([sample.kind, sample.dateline, f'::: {{custom-style="Title"}}\n{sample.title}\n:::',
                        *sample.paragraphs, sample.contact]) + "\n"


def make_docx(sample: Sample) -> bytes:
    return pandoc(office_source(sample), "docx")


def make_odt(sample: Sample) -> bytes:
    return pandoc(office_source(sample), "odt")


def make_rtf(sample: Sample) -> bytes:
    """RTF as word processors write it: the title in the document's information group (\\info), its
    paragraph in bold (pandoc's RTF writer has no paragraph styles)."""
    source = "\n\n".join([sample.kind, sample.dateline, f"**{sample.title}**", *sample.paragraphs, sample.contact])
    rtf = pandoc(source + "\n", "rtf").decode("ascii")
    # pandoc's RTF writer gives ’ and “ the fallback characters ' and ", which its reader mistakes (the
    # character after them is lost); word processors write \u8217\'92: the fallback made a plain ?.
    rtf = re.sub(r"\\u(\d+)['\"]", r"\\u\1 ?", rtf)
    title = "".join(c if ord(c) < 128 else f"\\u{ord(c)} ?" for c in sample.title)
    return rtf.replace("\\widowctrl", f"{{\\info{{\\title {title}}}}}\n\\widowctrl", 1).encode("ascii")


# -- PDFs, through reportlab ------------------------------------------------------------------------------

def _bold_markup(markdown: str) -> str:
    escaped = markdown.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", escaped)


def make_pdf(sample: Sample, columns: int = 2) -> bytes:
    """An A5 release: header and footer on every page, the kind line, dateline and title (18 pt, bold) across
    the page, the body (12 pt) in ``columns`` columns."""
    total = 1
    for _ in range(2):  # once to count the pages, once to number them
        data, total = _build_pdf(sample, columns, total)
    return data


def _build_pdf(sample: Sample, columns: int, total: int) -> tuple[bytes, int]:
    from reportlab.lib.pagesizes import A5
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import BaseDocTemplate, Frame, FrameBreak, PageTemplate, Paragraph

    width, height = A5
    margin, gutter, top = 36, 24, 210
    column = (width - 2 * margin - gutter * (columns - 1)) / columns
    body_height = height - 2 * margin - 20

    def body_frames(frame_top: float) -> list:
        return [Frame(margin + i * (column + gutter), margin + 10, column, frame_top - margin - 10)
                for i in range(columns)]

    def decorate(canvas, doc) -> None:
        canvas.setFont("Helvetica", 8)
        canvas.drawString(margin, height - 24, sample.header)
        canvas.drawCentredString(width / 2, 22, sample.page.format(n=doc.page, total=total))

    # The first page's top frame leaves room for a letterhead, as press offices' templates do.
    first = [Frame(margin, height - margin - 10 - top, width - 2 * margin, top), *body_frames(height - margin - 10 - top)]
    later = body_frames(margin + 10 + body_height)
    out = io.BytesIO()
    doc = BaseDocTemplate(out, pagesize=A5, title=sample.title)
    doc.addPageTemplates([PageTemplate("first", first, onPage=decorate, autoNextPageTemplate="later"),
                          PageTemplate("later", later, onPage=decorate)])
    small = ParagraphStyle("small", fontName="Helvetica", fontSize=10, leading=13, spaceAfter=4)
    big = ParagraphStyle("title", fontName="Helvetica-Bold", fontSize=18, leading=22, spaceBefore=8)
    text = ParagraphStyle("body", fontName="Helvetica", fontSize=12, leading=15, spaceAfter=9)
    story = [Paragraph(sample.kind, small), Paragraph(sample.dateline, small), Paragraph(sample.title, big),
             FrameBreak(), *[Paragraph(_bold_markup(p), text) for p in sample.paragraphs],
             Paragraph(_bold_markup(sample.contact), text)]
    doc.build(story)
    return out.getvalue(), doc.page


def make_scan(pdf: bytes, dpi: int = 300) -> bytes:
    """The PDF as a scanner gives it: each page an image, no text layer."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    images = [page.render(scale=dpi / 72).to_pil().convert("L") for page in document]
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return out.getvalue()
