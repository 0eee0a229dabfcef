"""The `quiz` command. Each command is thin: it parses, then hands over to the core."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from quiz.counts import counted
from quiz.errors import QuizError

if TYPE_CHECKING:
    from quiz.settings import Settings


class Failure(click.ClickException):
    """A QuizError on its way to the terminal: one line on stderr, exit status 2."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"quiz: error: {self.message}", err=True, file=file)


class SchedulerChoice(click.Choice):
    """The schedulers registered when the command line is read, so that every one
    `quiz.schedulers` offers is a choice, one registered after this module loaded too."""

    def __init__(self) -> None:
        super().__init__(())

    @property  # type: ignore[override]
    def choices(self) -> tuple[str, ...]:
        from quiz.schedulers import scheduler_names

        return scheduler_names()

    @choices.setter
    def choices(self, value: object) -> None:
        """click sets the choices it is given; these are read from the registry instead."""


class QuizGroup(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except QuizError as exc:
            raise Failure(str(exc)) from None
        except click.UsageError as exc:
            # A command's wrong arguments: one line, as for every other mistake.
            where = f"quiz {exc.ctx.info_name}" if exc.ctx and exc.ctx.parent else "quiz"
            raise Failure(f"{exc.format_message()} (see `{where} --help`)") from None


def find_question(ctx: click.Context, reference: str):
    """The question named by id or number (`4`, `#4`), from the bank in use."""
    from quiz.bank import load_bank

    bank = load_bank(settings_of(ctx).bank_path)
    return bank, bank.find(reference)


SETTINGS_OPTIONS = ("bank_path", "db_path", "new_per_day", "day_starts_at")
"""The options of `main` that make the settings; the scheduler's are kept in the database."""


def settings_of(ctx: click.Context) -> Settings:
    """The run's settings, built when a command asks: they import the store, which a warm
    `quiz check` has no time for."""
    from quiz.settings import Settings

    options = ctx.find_root().obj
    return Settings.from_environment(**{name: options[name] for name in SETTINGS_OPTIONS})


def bank_path_of(ctx: click.Context) -> Path:
    """The bank in use, as `settings_of(ctx).bank_path` says, without loading the settings."""
    from quiz.paths import default_bank_path

    return ctx.find_root().obj["bank_path"] or default_bank_path()


CLOCK = "quiz.clock"


def today_of(ctx: click.Context) -> date:
    """The study day, read once from the clock the command was given."""
    return settings_of(ctx).today(ctx.find_root().meta[CLOCK]())


@click.group(cls=QuizGroup, invoke_without_command=True)
@click.option(
    "--bank",
    "bank_path",
    metavar="NAME|DIR|FILE",
    envvar="QUIZ_BANK",
    help="Question bank to study: an installed bank's name (see `quiz banks`), a bank's folder "
    "or its YAML file (default: fastbook-ch4). Env: QUIZ_BANK.",
)
@click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path),
    envvar="QUIZ_DB",
    help="Review database (default: quiz.db in the user data directory). Env: QUIZ_DB.",
)
@click.option(
    "--new-per-day",
    type=click.IntRange(0, 1000),
    envvar="QUIZ_NEW_PER_DAY",
    help="New questions introduced per day (default 10). Env: QUIZ_NEW_PER_DAY.",
)
@click.option(
    "--day-starts-at",
    type=click.IntRange(0, 23),
    envvar="QUIZ_DAY_STARTS_AT",
    help="Hour at which a new study day begins (default 4). Env: QUIZ_DAY_STARTS_AT.",
)
@click.option(
    "--scheduler",
    type=SchedulerChoice(),
    help="Scheduler for this bank, kept in the database from then on (default sm2). "
    "Switching replays every review under the new one.",
)
@click.option(
    "--desired-retention",
    type=click.FloatRange(0.7, 0.99),
    help="FSRS: the chance of recall it schedules for (default 0.9); kept like --scheduler.",
)
@click.version_option(package_name="quiz", prog_name="quiz")
@click.pass_context
def main(
    ctx: click.Context,
    bank_path,
    db_path,
    new_per_day,
    day_starts_at,
    scheduler,
    desired_retention,
) -> None:
    """Study chapter 4 of the fast.ai book by spaced repetition, with executable answers.

    Run with no command to open today's study session.
    """
    # A caller (a test) may hand in a clock as `obj`; a person gets the system's.
    ctx.meta[CLOCK] = ctx.obj if callable(ctx.obj) else datetime.now
    if bank_path is not None:
        from quiz.banks import resolve

        bank_path = resolve(bank_path)
    ctx.obj = {
        "bank_path": bank_path,
        "db_path": db_path,
        "new_per_day": new_per_day,
        "day_starts_at": day_starts_at,
        "scheduler": scheduler,
        "desired_retention": desired_retention,
    }
    if scheduler is not None or desired_retention is not None:
        choose(settings_of(ctx), scheduler, desired_retention)
    if ctx.invoked_subcommand is None:
        from quiz.tui.app import run_app

        _keep_title(settings_of(ctx))

        try:
            sys.exit(run_app(settings_of(ctx)))
        except QuizError as exc:
            raise Failure(str(exc)) from None


def _keep_title(settings: Settings) -> None:
    """Note which bank is studied under its name; a bank that cannot load is left to the app."""
    from quiz.bank import load_bank
    from quiz.store import open_store

    try:
        bank = load_bank(settings.bank_path)
        open_store(settings.db_path).keep_bank_title(bank.name, bank.title)
    except QuizError:
        pass


def choose(settings: Settings, scheduler: str | None, desired_retention: float | None) -> None:
    """Keep the scheduler (and its retention) chosen for the bank, replaying the log if it
    changes."""
    from quiz.bank import load_bank
    from quiz.scheduler_choice import choose_scheduler
    from quiz.store import open_store

    try:
        bank = load_bank(settings.bank_path)
        store = open_store(settings.db_path)
        choose_scheduler(store, bank.name, scheduler, desired_retention=desired_retention)
    except QuizError as exc:
        raise Failure(str(exc)) from None


@main.command()
@click.argument("path", metavar="[NAME|DIR|FILE]", required=False)
@click.option("--no-run", is_flag=True, help="Only read the bank: run no reference or example.")
@click.pass_context
def validate(ctx: click.Context, path: str | None, no_run: bool) -> None:
    """Check a bank (default: the one in use): its schema, then that every reference passes its
    own checks and every example answer gets the verdict it declares. Exit 1 on any problem."""
    from quiz.authoring import static_problems
    from quiz.bank import BankError, load_bank
    from quiz.banks import resolve

    file = resolve(path) if path else settings_of(ctx).bank_path
    try:
        bank = load_bank(file)
    except BankError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        ctx.exit(2)
    problems = static_problems(bank) + _title_problems(ctx, bank)
    code = [q for q in bank if q.is_code]
    if not no_run and code and not problems:
        problems = _run_bank(bank)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        ctx.exit(1)
    ran = "; every reference passed its checks, every example got its verdict"
    ran = "" if no_run or not code else ran
    examples = sum(len(q.examples) for q in code)
    shown = f", {counted(examples, 'example answer')}" if examples else ""
    questions = counted(len(bank), "question")
    click.echo(f"{file}: ok, {questions} ({len(code)} with executable answers{shown}){ran}")


def _title_problems(ctx: click.Context, bank) -> list[str]:
    """A bank name taken by an installed bank, or known to the database under another title:
    the two would share cards."""
    from quiz.authoring import name_line
    from quiz.banks import installed
    from quiz.store import open_store

    where = f"{bank.path}:{name_line(bank.path)}"
    taken = installed().get(bank.name)
    if taken is not None and taken.resolve() != bank.path.resolve():
        return [
            f"{where}: bank name '{bank.name}' is the name of the installed bank in "
            f"{taken.parent}: give this bank a name of its own, or its cards will mix with that "
            "bank's"
        ]
    db = settings_of(ctx).db_path
    if not db.is_file():
        return []
    known = open_store(db, read_only=True).bank_title(bank.name)
    if known is None or known == bank.title:
        return []
    return [
        f"{where}: bank name '{bank.name}' is already used in {db} by \"{known}\": "
        "give this bank a name of its own, or its cards will mix with that bank's"
    ]


def _run_bank(bank) -> list[str]:
    """Run every reference and example answer of the bank through its checks, in the sandbox."""
    from quiz.authoring import run_problems
    from quiz.grader import Checker
    from quiz.grader.display import CANNOT_CHECK, exit_status, plain_reason

    skipped: list[str] = []

    def check(question, source):
        verdict = checker.check(question.id, source)
        if exit_status(verdict) == CANNOT_CHECK:
            skipped.append(f"{question.id}: {plain_reason(verdict.error.message)}")
            return None
        return verdict

    def progress(question_id: str) -> None:
        if sys.stderr.isatty():
            click.echo(f"checking {question_id}…", err=True)

    with Checker(bank) as checker:
        problems = run_problems(bank, check, progress)
    for note in dict.fromkeys(skipped):
        click.echo(f"not checked here: {note}", err=True)
    return problems


@main.command(name="banks")
def banks_command() -> None:
    """List the installed banks with their question counts: study one with `quiz --bank NAME`."""
    from quiz.bank import BankError, load_bank
    from quiz.banks import installed

    for name, file in installed().items():
        try:
            bank = load_bank(file)
        except BankError as exc:
            click.echo(f"{name}  (cannot be read: {exc})")
            continue
        code = sum(q.is_code for q in bank)
        click.echo(
            f"{name}  {bank.title}  ({len(bank)} questions, {code} with code)  {file.parent}"
        )


@main.group(name="bank")
def bank_group() -> None:
    """Write banks of your own (see BANKS.md)."""


@bank_group.command(name="new")
@click.argument("folder", metavar="DIR", type=click.Path(path_type=Path))
@click.option("--name", help="The bank's name (default: the folder's name).")
def bank_new(folder: Path, name: str | None) -> None:
    """Start a bank in DIR: one recall and one code question, ready to edit and validate."""
    from quiz.bank_template import write_bank

    file = write_bank(folder, name or folder.resolve().name)
    click.echo(
        f"wrote {file}; study it with: quiz --bank {folder}  (check it: quiz validate {folder})"
    )


@main.command(name="list")
@click.pass_context
def list_questions(ctx: click.Context) -> None:
    """Show every question with its schedule."""
    from quiz.listing import question_table

    settings = settings_of(ctx)
    click.echo(question_table(settings, today_of(ctx)), nl=False)


@main.command(name="export")
@click.argument("file", type=click.Path(path_type=Path))
@click.pass_context
def export_command(ctx: click.Context, file: Path) -> None:
    """Write the review log to FILE (JSON Lines, or CSV if FILE ends in .csv)."""
    from quiz.backup import export_reviews
    from quiz.store import open_store

    count = export_reviews(open_store(settings_of(ctx).db_path, read_only=True), file)
    click.echo(f"exported {counted(count, 'review')} to {file}")


@main.command(name="import")
@click.argument("file", type=click.Path(path_type=Path))
@click.pass_context
def import_command(ctx: click.Context, file: Path) -> None:
    """Add the reviews in FILE to the log; a bad line imports nothing."""
    from quiz.backup import import_into

    added, noted = import_into(settings_of(ctx).db_path, file)
    kept = f" and {counted(noted, 'note')}" if noted else ""
    click.echo(f"imported {counted(added, 'new review')}{kept} from {file}")


@main.command()
@click.option("--yes", is_flag=True, help="Save the fitted parameters without asking.")
@click.pass_context
def optimize(ctx: click.Context, yes: bool) -> None:
    """Fit FSRS's parameters to your own review log; shows the fit, asks before saving."""
    from quiz.bank import load_bank
    from quiz.optimize import optimize as fit_fsrs
    from quiz.scheduler_choice import PARAMETERS_KEY, choose_scheduler
    from quiz.store import open_store

    settings = settings_of(ctx)
    bank = load_bank(settings.bank_path)
    store = open_store(settings.db_path)
    click.echo("Fitting FSRS to your reviews (the optimizer runs in its own process)...")
    fit = fit_fsrs(store.scheduled_log(bank.name))
    click.echo(
        f"Used {counted(fit.reviews, 'review')} of {counted(fit.questions, 'question')} "
        "(each card's first 64, same-day repeats left out)."
    )
    click.echo(f"{'parameters':<12}{'log-loss':>10}{'RMSE':>8}")
    for name, figures in (("default", fit.default), ("fitted", fit.fitted)):
        click.echo(f"{name:<12}{figures.log_loss:>10.4f}{figures.rmse:>8.4f}")
    click.echo("(lower is better for both; both are measured on the log the fit learned from)")
    if not yes and not click.confirm(f"Save the fitted parameters for {bank.name}?"):
        kept = "your saved ones" if PARAMETERS_KEY in store.settings(bank.name) else "the defaults"
        click.echo(f"Not saved; FSRS keeps {kept}.")
        return
    scheduler = choose_scheduler(store, bank.name, parameters=list(fit.parameters))
    if scheduler.name == "fsrs":
        click.echo(f"Saved; FSRS schedules {bank.name} with them from now on.")
    else:
        click.echo("Saved; FSRS will use them once chosen (quiz --scheduler fsrs).")


@main.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def train(args: tuple[str, ...]) -> None:
    """Train the reference MNIST model (flags as for solutions/mnist_trainer.py; try --help)."""
    from quiz.training import run_trainer

    sys.exit(run_trainer(list(args)))


@main.command(name="check")
@click.argument("question_id", metavar="ID|NUMBER")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as one JSON object.")
@click.option("--watch", is_flag=True, help="Check again every time FILE is saved; Ctrl-C stops.")
@click.option(
    "--no-worker",
    is_flag=True,
    envvar="QUIZ_NO_WORKER",
    help="Check in this process, not in the background worker. Env: QUIZ_NO_WORKER=1.",
)
@click.pass_context
def check(
    ctx: click.Context, question_id: str, file: Path, as_json: bool, watch: bool, no_worker: bool
) -> None:
    """Run FILE as an answer to a code question, by id or number (exit 0 passed, 1 not yet,
    3 when this machine cannot check it).

    The answer goes to a background worker that stays warm between calls (see `quiz worker`);
    --watch keeps a worker of its own."""
    bank_path = bank_path_of(ctx)
    if watch or no_worker:
        from quiz.grader.command import run_check

        status = run_check(bank_path, question_id, file, as_json=as_json, watch=watch)
    else:
        from quiz.grader import client

        status = client.run_check(bank_path, question_id, file, as_json=as_json)
    if not watch:  # a watch's runs are drafts of one answer, not tries
        record_check_run(ctx, question_id, file, status)
    sys.exit(status)


def record_check_run(ctx: click.Context, question_ref: str, file: Path, status: int) -> None:
    """Count the run in the day's attempt, as the app counts its own; a database that cannot
    take it costs the check nothing but a line saying so."""
    from quiz.exercise import record_check
    from quiz.store import open_store

    try:
        bank, question = find_question(ctx, question_ref)
        store = open_store(settings_of(ctx).db_path)
        now = ctx.find_root().meta[CLOCK]()
        record_check(store, bank.name, question, settings_of(ctx).today(now), now, status, file)
    except (QuizError, OSError) as exc:
        click.echo(f"quiz: this run was not recorded for today: {exc}", err=True)


@main.group(name="worker")
def worker() -> None:
    """The background worker that keeps `quiz check` warm (it exits after QUIZ_WORKER_IDLE
    seconds without a check, 600 unless set)."""


@worker.command(name="status")
def worker_status() -> None:
    """Say whether the worker is running, and what it has done (exit 1 when it is not)."""
    from quiz.grader import client

    state = client.status()
    if state is None:
        click.echo("no background worker is running")
        sys.exit(1)
    click.echo(
        f"background worker running: pid {state['pid']}, up {state['uptime_s']:.0f} s, "
        f"{counted(state['checks'], 'check')}, quiet for {state['quiet_s']:.0f} s "
        f"(exits after {state['idle_s']:g} s), socket {state['socket']}"
    )


@worker.command(name="stop")
def worker_stop() -> None:
    """Stop the worker now; the next `quiz check` starts a new one."""
    from quiz.grader import client

    pid = client.stop()
    if pid is None:
        click.echo("no background worker is running")
    else:
        click.echo(f"stopped the background worker (pid {pid})")


@main.command()
@click.argument("question_ref", metavar="ID|NUMBER")
@click.option("--answer", is_flag=True, help="Print our answer and its key points after it.")
@click.pass_context
def show(ctx: click.Context, question_ref: str, answer: bool) -> None:
    """Print a question, by id or by its number (4 or #4)."""
    from quiz.exercise import answer_text
    from quiz.store import open_store

    bank, question = find_question(ctx, question_ref)
    echo_question(open_store(settings_of(ctx).db_path, read_only=True), bank, question)
    if answer:
        click.echo("\n" + answer_text(question), nl=False)


@main.command()
@click.argument("question_ref", metavar="ID|NUMBER")
@click.argument("grade", metavar="GRADE")
@click.option("--explanation", default="", help="A code question's explanation, kept with it.")
@click.pass_context
def grade(ctx: click.Context, question_ref: str, grade: str, explanation: str) -> None:
    """Record your grade for a question today (0-5 under SM-2, 1-4 under FSRS), as the app
    does: a code question's `quiz check` runs and `quiz hint` hints count with it."""
    from quiz.exercise import grade_question
    from quiz.scheduler_choice import bank_scheduler
    from quiz.session import StudySession
    from quiz.store import open_store

    settings = settings_of(ctx)
    bank, question = find_question(ctx, question_ref)
    store = open_store(settings.db_path)
    now = ctx.find_root().meta[CLOCK]()
    scheduler = bank_scheduler(store, bank.name)
    session = StudySession(bank, store, settings.today(now), settings.new_per_day, scheduler)
    click.echo(grade_question(session, question, grade, now, explanation))


@main.command()
@click.argument("question_ref", metavar="ID|NUMBER")
@click.argument("folder", metavar="[DIR]", required=False, type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite the file if it exists.")
@click.pass_context
def start(ctx: click.Context, question_ref: str, folder: Path | None, force: bool) -> None:
    """Write a code question's starter to DIR/<id>.py (default: this folder)."""
    from quiz.banks import command_for
    from quiz.exercise import write_starter

    bank, question = find_question(ctx, question_ref)
    quiz = command_for(bank.path)
    path = write_starter(question, folder or Path.cwd(), force, quiz)
    click.echo(f"wrote {path}; check it with: {quiz} check {question.id} {path}")


@main.command()
@click.argument("question_ref", metavar="ID|NUMBER")
@click.pass_context
def hint(ctx: click.Context, question_ref: str) -> None:
    """Print the next hint for a code question; the next call gives the one after."""
    from quiz.exercise import next_hint
    from quiz.store import open_store

    bank, question = find_question(ctx, question_ref)
    now = ctx.find_root().meta[CLOCK]()
    store = open_store(settings_of(ctx).db_path)
    click.echo(next_hint(store, bank.name, question, settings_of(ctx).today(now), now))


@main.command(name="next")
@click.pass_context
def next_question(ctx: click.Context) -> None:
    """Print the next question of today's session, as `quiz show` does."""
    from quiz.bank import load_bank
    from quiz.session import StudySession
    from quiz.store import open_store
    from quiz.training import mnist_present

    settings = settings_of(ctx)
    bank = load_bank(settings.bank_path)
    store = open_store(settings.db_path, read_only=True)
    # questions waiting for the MNIST files are left out, as the app leaves them out
    waiting = frozenset() if mnist_present() else store.waiting_for_data(bank.name)
    session = StudySession(bank, store, today_of(ctx), settings.new_per_day, waiting=waiting)
    question = session.current
    if question is None:
        click.echo("nothing left for today: every due and new question is answered")
        return
    echo_question(store, bank, question)


def echo_question(store, bank, question) -> None:
    """Print a question as `quiz show` and `quiz next` both do: with the hints it has left
    and the commands to type for its bank."""
    from quiz.banks import command_for
    from quiz.exercise import question_text

    taken = store.hints_taken(bank.name, question.id)
    click.echo(question_text(question, taken, command_for(bank.path)), nl=False)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
@click.option("--since", metavar="DATE", help="Count only answers from this day (YYYY-MM-DD) on.")
@click.pass_context
def stats(ctx: click.Context, as_json: bool, since: str | None) -> None:
    """Show progress: today, streaks, retention, the due forecast and the hardest questions."""
    import json
    import shutil

    from quiz.bank import load_bank
    from quiz.stats_report import gather, parse_since, render_report, stats_json
    from quiz.store import open_store

    settings = settings_of(ctx)
    start = parse_since(since) if since is not None else None
    bank = load_bank(settings.bank_path)
    store = open_store(settings.db_path, read_only=True)
    figures = gather(store, bank, today_of(ctx), start)
    if as_json:
        click.echo(json.dumps(stats_json(figures, bank)))
    else:
        # A terminal's own width; piped, the lines are left whole.
        width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
        click.echo(render_report(figures, bank, width), nl=False)
