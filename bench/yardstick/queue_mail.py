"""Queue `count` mails with post_office (run with bench/.yardstick-venv's python, before the
timed `send_queued_mail`): the same senders, recipients, subjects, bodies and threading
headers as bench/outbox.py's queued messages."""

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
    import django

    django.setup()
    from post_office import mail

    count = int(sys.argv[1])
    mail.send_many(
        [
            {
                "sender": "secretaria@ppcomp.example",
                "recipients": [f"pessoa{i}@aluno.example"],
                "subject": f"Re: Solicitação de acesso #{i}",
                "message": "Prezada(o),\n\nSeu pedido foi recebido e está em análise.\n" * 5,
                "headers": {
                    "In-Reply-To": f"<pedido-{i}@aluno.example>",
                    "References": f"<pedido-{i}@aluno.example>",
                },
                "priority": "medium",
            }
            for i in range(count)
        ]
    )
