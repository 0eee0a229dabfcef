"""The quiz app: one factory builds it from settings, bank and store, for the CLI and the tests.

The code checker is the only heavy thing the app talks to; it is created lazily, started
in a background thread when today's queue holds a coding question, and closed on exit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import date, datetime

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen

from quiz.bank import Bank, load_bank
from quiz.scheduler_choice import bank_scheduler
from quiz.session import StudySession
from quiz.settings import Settings
from quiz.store import Store, open_store
from quiz.training import mnist_present
from quiz.tui.checker import CheckerFactory, CodeChecker

Clock = Callable[[], datetime]


def default_checker(bank: Bank) -> CodeChecker:
    """The real grader, imported only when a coding question needs it."""
    from quiz.grader import Checker

    return Checker(bank)


class CheckerUnavailable(Message):
    """The code checker could not be started; coding questions can still be graded by hand."""

    def __init__(self, reason: str):
        super().__init__()
        self.reason = reason


class CheckerUnconfined(Message):
    """The checker runs code without the kernel's fences; the learner should know, once."""

    def __init__(self, notice: str):
        super().__init__()
        self.notice = notice


class QuizApp(App[int]):
    """Today's study session, the question browser and their help."""

    CSS_PATH = "app.tcss"
    CHECKER_WARM_DELAY_S = 0.5
    """Let the first screen paint before the checker's worker competes for the CPU."""
    TITLE = "quiz"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("f1", "help", "Help", show=False),
    ]

    def __init__(
        self,
        settings: Settings,
        bank: Bank,
        store: Store,
        checker_factory: CheckerFactory | None = None,
        clock: Clock = datetime.now,
    ):
        super().__init__()
        self.settings = settings
        self.bank = bank
        self.store = store
        self.clock = clock
        self.sub_title = bank.title
        self.session = StudySession(
            bank,
            store,
            self.today(),
            settings.new_per_day,
            bank_scheduler(store, bank.name),
            self.waiting_for_data(),
        )
        self._checker_factory = checker_factory or (lambda: default_checker(bank))
        self._checker: CodeChecker | None = None
        self._checker_lock = threading.Lock()
        self.train_form: dict[str, str] = {}
        """The Train screen's last choices, kept while the app runs."""

    def today(self) -> date:
        return self.settings.today(self.clock())

    def waiting_for_data(self) -> frozenset[str]:
        """The questions left out until the MNIST files are there; none once they are."""
        waiting = self.store.waiting_for_data(self.bank.name)
        if waiting and mnist_present():
            self.store.data_arrived(self.bank.name)
            return frozenset()
        return waiting

    def follow_the_day(self) -> date:
        """Read the clock once; move the session to its study day if it rolled over."""
        today = self.today()
        self.session.move_to(today)
        return today

    def on_mount(self) -> None:
        from quiz.tui.screens.home import HomeScreen

        self.push_screen(HomeScreen())
        if any(question.is_code for question in self.session.queue):
            if self.CHECKER_WARM_DELAY_S:
                self.set_timer(self.CHECKER_WARM_DELAY_S, self.warm_checker)
            else:
                self.warm_checker()

    # The code checker

    def checker(self) -> CodeChecker:
        """The started checker, created on first use; safe to call from worker threads."""
        with self._checker_lock:
            if self._checker is None:
                checker = self._checker_factory()
                checker.start()
                self._checker = checker
                notice = checker.sandbox_notice()
                if notice:
                    self.post_message(CheckerUnconfined(notice))
            return self._checker

    def warm_checker(self) -> None:
        """Start the checker's worker in a thread so the first check is already warm."""
        self.run_worker(self._start_checker, thread=True, exclusive=True, group="checker-start")

    def _start_checker(self) -> None:
        try:
            self.checker()
        except Exception as exc:  # a broken grader must not take the session down
            self.post_message(CheckerUnavailable(f"{type(exc).__name__}: {exc}"))

    def on_checker_unavailable(self, message: CheckerUnavailable) -> None:
        self.notify(
            f"Code checks are unavailable ({message.reason}); grade coding answers yourself.",
            title="Checker",
            severity="warning",
            timeout=8,
        )

    def on_checker_unconfined(self, message: CheckerUnconfined) -> None:
        self.notify(f"Note: {message.notice}.", title="Checker", severity="warning", timeout=12)

    def close_checker(self) -> None:
        with self._checker_lock:
            checker, self._checker = self._checker, None
        if checker is not None:
            checker.close()

    async def on_unmount(self) -> None:
        self.close_checker()

    # Screens reachable from anywhere

    def action_help(self) -> None:
        from quiz.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def open_stats(self) -> None:
        """Push the statistics screen, written separately; say so while it is missing."""
        try:
            from quiz.tui.screens.stats import StatsScreen
        except ImportError:
            self.notify("Statistics are not available in this version yet.", title="Stats")
            return
        self.push_screen(StatsScreen(self.settings, self.bank, self.store, today=self.today()))

    def open_browse(self) -> None:
        from quiz.tui.screens.browse import BrowseScreen

        self.push_screen(BrowseScreen())

    def open_train(self) -> None:
        from quiz.tui.screens.train import TrainScreen

        self.push_screen(TrainScreen())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        from quiz.tui.screens.home import HomeScreen

        if isinstance(screen, HomeScreen):
            yield SystemCommand("Start", "Start today's session", screen.action_start)
            yield SystemCommand("Browse", "Every question, with its schedule", self.open_browse)
            yield SystemCommand("Train", "Train an MNIST model and watch it learn", self.open_train)
        yield SystemCommand("Statistics", "How your studying is going", self.open_stats)
        yield SystemCommand("Keys", "Every key quiz understands", self.action_help)
        yield from super().get_system_commands(screen)


def create_app(
    settings: Settings,
    bank: Bank | None = None,
    store: Store | None = None,
    checker_factory: CheckerFactory | None = None,
    clock: Clock | None = None,
) -> QuizApp:
    """Build the app; a missing bank or store is loaded from `settings`."""
    bank = bank if bank is not None else load_bank(settings.bank_path)
    store = store if store is not None else open_store(settings.db_path)
    return QuizApp(
        settings,
        bank,
        store,
        checker_factory=checker_factory,
        clock=clock or datetime.now,
    )


def run_app(settings: Settings) -> int:
    """Load everything that can fail, then run the app; problems raise QuizError first."""
    bank = load_bank(settings.bank_path)
    store = open_store(settings.db_path)
    store.check_writable()
    app = create_app(settings, bank, store)
    try:
        app.run()
    finally:
        app.close_checker()
    return app.return_code or 0
