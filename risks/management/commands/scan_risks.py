from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from risks import engine
from risks.choices import SEVERITY_ORDER, Severity
from risks.scans import scan_now
from risks.selectors import unresolved_flags


class Command(BaseCommand):
    help = "Scan the whole portfolio for risks now, in this process, and print a summary."

    def handle(self, *args, **options):
        scan = scan_now()
        self.stdout.write(
            _(
                "Scan %(id)s: %(agreements)d agreements in %(seconds).2f s; %(new)d new, %(persisting)d still open, "
                "%(resolved)d resolved."
            )
            % {
                "id": scan.pk,
                "agreements": scan.agreements_scanned,
                "seconds": scan.duration.total_seconds(),
                "new": scan.new_count,
                "persisting": scan.persisting_count,
                "resolved": scan.resolved_count,
            }
        )
        counts = {}
        for rule, severity in unresolved_flags().values_list("rule", "severity"):
            counts[(severity, rule)] = counts.get((severity, rule), 0) + 1
        if not counts:
            self.stdout.write(_("No open risks."))
            return
        rows = sorted(counts.items(), key=lambda item: (SEVERITY_ORDER.index(item[0][0]), item[0][1]))
        header = (_("severity"), _("rule"), _("open"))
        table = [(str(Severity(sev).label), engine.rule_label(rule), str(n)) for (sev, rule), n in rows]
        widths = [max(len(str(row[i])) for row in [header, *table]) for i in range(3)]
        for row in [header, *table]:
            self.stdout.write("  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row)))
