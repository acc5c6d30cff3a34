"""The payee's IBAN and account holder, frozen on each batch item when the batch is built.

Existing items take them from the batch's stored SEPA file (the transfer whose EndToEndId is the settlement's id),
so they show exactly what the bank received. Items that are not in the file (a settlement of € 0,00 has no
transfer) or a file that cannot be read fall back to the member's current data: nothing was sent for them.
The columns keep a database default, so the previous release, still running during a rolling upgrade, can still
create batches: their items have an empty payee here, and the SEPA file that release stored holds the real one.
"""

import xml.etree.ElementTree as ET

from django.db import migrations, models

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}


def payees_in_file(xml: str) -> dict[str, tuple[str, str]]:
    """EndToEndId -> (IBAN, creditor name) of every transfer in a pain.001.001.09 file."""
    try:
        root = ET.fromstring(xml.encode())
    except ET.ParseError:
        return {}
    payees = {}
    for tx in root.iterfind(".//p:CdtTrfTxInf", NS):
        end_to_end = tx.findtext("p:PmtId/p:EndToEndId", default="", namespaces=NS)
        iban = tx.findtext("p:CdtrAcct/p:Id/p:IBAN", default="", namespaces=NS)
        name = tx.findtext("p:Cdtr/p:Nm", default="", namespaces=NS)
        if end_to_end and iban:
            payees[end_to_end] = (iban, name)
    return payees


def fill_payees(apps, schema_editor):
    PaymentBatch = apps.get_model("payouts", "PaymentBatch")
    PaymentBatchItem = apps.get_model("payouts", "PaymentBatchItem")
    for batch in PaymentBatch.objects.all().iterator():
        payees = payees_in_file(batch.sepa_xml) if batch.sepa_xml else {}
        items = list(
            PaymentBatchItem.objects.filter(batch=batch).select_related("settlement__document__claim__member")
        )
        for item in items:
            found = payees.get(str(item.settlement_id))
            if found is not None:
                item.iban, item.account_holder = found
            else:  # not in the file: the member's current data is the best we know
                member = item.settlement.document.claim.member
                item.iban = member.iban.replace(" ", "").upper()
                item.account_holder = member.account_holder
        PaymentBatchItem.objects.bulk_update(items, ["iban", "account_holder"])


class Migration(migrations.Migration):
    dependencies = [
        ("payouts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="paymentbatchitem",
            name="iban",
            field=models.CharField(db_default="", max_length=34, verbose_name="IBAN del beneficiario"),
        ),
        migrations.AddField(
            model_name="paymentbatchitem",
            name="account_holder",
            field=models.CharField(db_default="", max_length=140, verbose_name="intestatario del conto"),
        ),
        migrations.RunPython(fill_payees, migrations.RunPython.noop),
    ]
