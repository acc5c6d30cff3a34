"""The first published privacy notice: first access cannot start without one."""

import hashlib

from django.db import migrations
from django.utils import timezone

BODY = """Informativa sul trattamento dei dati personali (artt. 13 e 14 del Regolamento UE 2016/679)

Titolare del trattamento è la Società di Mutuo Soccorso, che tratta i tuoi dati personali e quelli dei tuoi familiari aventi diritto, compresi i dati relativi alla salute (art. 9 del Regolamento), per gestire l'adesione, erogare i sussidi e i rimborsi previsti dalle forme di assistenza, comunicare con te sullo stato delle pratiche e adempiere agli obblighi di legge, anche fiscali.

Il trattamento dei dati relativi alla salute avviene sulla base del tuo consenso esplicito: senza di esso non possiamo esaminare le richieste di rimborso né fornirti i servizi dell'area soci.

I dati sono trattati da personale autorizzato e da fornitori nominati responsabili del trattamento, con misure di sicurezza adeguate; non sono diffusi e non sono trasferiti fuori dall'Unione europea. Sono conservati per il tempo necessario alle finalità indicate e agli obblighi di legge (di norma dieci anni dalla cessazione del rapporto).

Puoi chiedere in ogni momento l'accesso ai tuoi dati, la rettifica, la cancellazione, la limitazione, la portabilità, opporti al trattamento e revocare il consenso, senza pregiudicare la liceità del trattamento svolto prima della revoca, scrivendo all'infocenter o al Responsabile della protezione dei dati. Puoi proporre reclamo al Garante per la protezione dei dati personali.
"""


def create(apps, schema_editor):
    PrivacyNotice = apps.get_model("members", "PrivacyNotice")
    PrivacyNotice.objects.get_or_create(
        version="2026.1",
        defaults={
            "title": "Informativa privacy",
            "body": BODY,
            "sha256": hashlib.sha256(BODY.encode("utf-8")).hexdigest(),
            "published_at": timezone.now(),
        },
    )


class Migration(migrations.Migration):
    dependencies = [("members", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
