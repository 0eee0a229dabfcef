"""What is chosen and kept per bank: its scheduler, that scheduler's options, its title."""

from __future__ import annotations

from quiz.store.connection import Connection

TITLE_KEY = "bank.title"
"""The setting that keeps the title last studied under a bank's name."""


class BankSettings(Connection):
    """The `settings` table: (bank, key) to a text value."""

    def bank_title(self, bank: str) -> str | None:
        """The title last studied under the bank name `bank`, if any."""
        return self.settings(bank).get(TITLE_KEY)

    def keep_bank_title(self, bank: str, title: str) -> None:
        """Remember the title of the bank studied under `bank`, so another bank that takes
        the same name can be told apart (`quiz validate` reports it)."""
        if self.bank_title(bank) == title:
            return
        with self._writing():
            self.db.table("settings").upsert(
                {"bank": bank, "key": TITLE_KEY, "value": title}, pk=("bank", "key")
            )

    def settings(self, bank: str) -> dict[str, str]:
        """What was chosen for `bank` and kept: its scheduler and that scheduler's options."""
        with self._guard():
            rows = self.db.execute("SELECT key, value FROM settings WHERE bank = ?", [bank])
            return dict(rows.fetchall())
