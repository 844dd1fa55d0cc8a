"""``kinetor store ...``: the project store from the command line (list, show, export,
lock, add users, share projects), and the ``--store`` saving of other commands."""

from __future__ import annotations

import getpass
import io
import os
import zipfile
from pathlib import Path

import typer

from kinetor.cli import _common

app = typer.Typer(
    help="The project store: studies, analyses, versioned results and the "
    "audit trail (SQLite in your data folder by default; --store URL or "
    "KINETOR_STORE for another, e.g. postgresql://host/db).",
    no_args_is_help=True,
)

_STORE = typer.Option(
    None,
    "--store",
    help="Store URL or SQLite file (default: KINETOR_STORE, else the file in your data folder).",
)
_USER = typer.Option(
    None,
    "--user",
    help="Acting user (default: your login name); self-declared, not a sign-in.",
)
_MAX_ID = 2**63 - 1  # the largest id a store can hold (SQLite; PostgreSQL: 2**31 - 1)


def _id_arg(what: str):
    return typer.Argument(..., min=1, max=_MAX_ID, help=what)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="store")


def who(user: str | None) -> str:
    return user or os.environ.get("KINETOR_USER") or getpass.getuser()


def open_store(url: str | None, create: bool = True):
    """The store at ``url`` ('default'/None: the user's); an unreachable or unreadable
    store is a StoreError (exit code 3), not a traceback. An SQLite file that is not a
    store is refused, and a missing one is created only with ``create`` (commands that
    save; those that only read or change what is there pass False)."""
    from sqlalchemy.exc import SQLAlchemyError

    from kinetor.store import Store, StoreError, normalise_url
    from kinetor.store._engine import check_store_file, display_url, hide_password

    target = None if url in (None, "", "default") else url
    full = normalise_url(target)
    check_store_file(full, create=create)
    try:
        return Store(target)
    except (SQLAlchemyError, ImportError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        first = hide_password(first, full)
        raise StoreError(f"cannot open the store {display_url(full)}: {first}") from None


def raw_bytes(source: str) -> tuple[str, bytes]:
    """A study source as (name, bytes): a file as it is, a folder as a zip of its files."""
    path = Path(source)
    if path.is_dir():
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in sorted(p for p in path.rglob("*") if p.is_file()):
                zf.writestr(
                    zipfile.ZipInfo(str(f.relative_to(path)), (1980, 1, 1, 0, 0, 0)), f.read_bytes()
                )
        return path.name + ".zip", buf.getvalue()
    return path.name, path.read_bytes()


def save_cli_run(
    url: str,
    project: str,
    user: str | None,
    source: str,
    folder: Path,
    kind: str,
    options: dict,
    settings: dict,
    input_hash: str,
    inputs: dict[str, str | None] | None = None,
) -> dict:
    """Store a CLI run: the study's bytes, the analysis, and the files it wrote.

    ``inputs``: other files the run read (role -> path, e.g. ``{"doses": "d.csv"}``): each
    is kept with the result as ``input_<role>_<name>``, its name and SHA-256 go into the
    options (``options[role]``) and the input hashes (``<role>_sha256``)."""
    from kinetor.store._util import sha256

    options, hashes, blobs = dict(options), {"study_content": input_hash}, {}
    for role, path in (inputs or {}).items():
        if path:
            label, content = raw_bytes(path)
            options[role] = {"file": label, "sha256": sha256(content)}
            hashes[f"{role}_sha256"] = sha256(content)
            blobs[f"input_{role}_{label}"] = content
    st = open_store(url)
    name = who(user)
    pid = st.create_project(project, user=name)
    label, data = raw_bytes(source)
    sid = st.add_study(pid, label, data, user=name, settings=settings, reuse=True)
    before = _common._BEFORE.get(Path(folder).resolve(), {})
    for p in sorted(Path(folder).iterdir()):
        stat = p.stat() if p.is_file() else None
        if (
            stat
            and p.suffix in (".csv", ".json", ".xlsx", ".html")
            and before.get(p.name) != (stat.st_mtime_ns, stat.st_size)
        ):
            blobs[p.name] = p.read_bytes()  # written by this run, not left from another
    res = st.save_result(sid, kind, options, blobs, user=name, input_hashes=hashes)
    st.close()
    return res


@app.command("list")
def list_command(
    what: str = typer.Argument("results", help="results, studies, projects or audit."),
    store: str | None = _STORE,
    user: str | None = _USER,
) -> None:
    """List what the user can see."""
    import pandas as pd

    from kinetor.errors import DataError, Problem

    st = open_store(store, create=False)
    name = who(user)
    cols = {
        "results": [
            "id",
            "project_id",
            "study_id",
            "study_name",
            "kind",
            "version",
            "locked",
            "created_at",
            "created_by",
        ],
        "studies": ["id", "project_id", "name", "size", "sha256", "created_at", "created_by"],
        "projects": ["id", "name", "owner", "created_at"],
        "audit": ["id", "at", "user", "action", "target", "reason"],
    }
    if what not in cols:
        raise DataError(
            Problem(f"cannot list {what!r}", column="WHAT", fix="one of: " + ", ".join(cols))
        )
    rows = getattr(st, what)(name)
    df = pd.DataFrame(rows, columns=cols[what])
    from kinetor.store._engine import display_url

    _common.print_frame(
        df, title=f"{what} visible to {name} in {display_url(st.url)}", max_rows=500
    )
    st.close()


@app.command("show")
def show_command(
    result_id: int = _id_arg("Result id (see store list)."),
    store: str | None = _STORE,
    user: str | None = _USER,
) -> None:
    """A result: version, lock, the analysis options and input hashes, its files, and the
    audit entries about it."""
    import pandas as pd

    st = open_store(store, create=False)
    name = who(user)
    info = st.result(result_id, name)
    trail = [a for a in st.audit(name, info["project_id"]) if a["target"] == f"result:{result_id}"]
    st.close()
    if _common.STATE["json"]:
        _common.emit_json({**info, "audit": trail})
        return
    an = info["analysis"]
    _common.info(
        f"result {info['id']}: {info['kind']} version {info['version']} of study "
        f"{info['study_id']} ({info['study_name']}), "
        f"{'LOCKED' if info['locked'] else 'not locked'}; made {info['created_at']} "
        f"by {info['created_by']} with kinetor {an['kinetor_version']}"
    )
    _common.info(f"options: {an['options']}")
    _common.info(f"input hashes: {an['input_hashes']}")
    _common.print_frame(pd.DataFrame(info["blobs"]), title="files")
    _common.print_frame(
        pd.DataFrame(trail, columns=["at", "user", "action", "reason"]), title="audit trail"
    )


@app.command("export")
def export_command(
    result_id: int = _id_arg("Result id."),
    out: str = typer.Option(
        "store_export", "--out", help="Folder to write (new or empty, unless --force)."
    ),
    force: bool = typer.Option(
        False, "--force", help="Write into a folder that holds files (same names replaced)."
    ),
    store: str | None = _STORE,
    user: str | None = _USER,
) -> None:
    """Write a result's files, the study's raw file and provenance.json to a folder."""
    st = open_store(store, create=False)
    folder = _common.out_dir(out)
    paths = st.export(result_id, folder, who(user), force=force)
    st.close()
    _common.info(f"wrote {len(paths)} files to {folder}")


@app.command("lock")
def lock_command(
    result_id: int = _id_arg("Result id."),
    reason: str = typer.Option(
        ..., "--reason", help="Why (kept in the audit trail), e.g. 'QC passed'."
    ),
    store: str | None = _STORE,
    user: str | None = _USER,
) -> None:
    """Lock a result for good: it can no longer change; re-analysis makes a new version."""
    if not reason.strip():
        raise typer.BadParameter(
            "a lock needs a reason (kept in the audit trail), e.g. 'QC passed'",
            param_hint="--reason",
        )
    st = open_store(store, create=False)
    name = who(user)
    if st.result(result_id, name)["locked"]:
        st.close()
        _common.info(
            f"result {result_id} is already locked: nothing changed, nothing added to the "
            "audit trail (kinetor store show to see its lock)"
        )
        return
    st.lock(result_id, name, reason=reason.strip())
    st.close()
    _common.info(f"result {result_id} locked")


@app.command("add-user")
def add_user_command(
    name: str = typer.Argument(..., help="Account name."),
    reset: bool = typer.Option(
        False, "--reset", help="Change the password of an account that has one."
    ),
    store: str | None = _STORE,
) -> None:
    """Create a sign-in account for ``kinetor serve`` (password of 8 characters or more,
    asked twice, or taken from KINETOR_PASSWORD); only its scrypt hash is stored."""
    from kinetor.store import StoreError

    st = open_store(store)
    has_password = st.password_hash(name.strip()) is not None
    if has_password != reset:
        st.close()
        raise StoreError(
            f"account {name.strip()!r} exists and has a password: give --reset to change it"
            if has_password
            else f"account {name.strip()!r} has no password to reset (--reset changes the "
            "password of an account that has one): leave out --reset to create the account "
            "or set its first password"
        )
    try:
        password = os.environ.get("KINETOR_PASSWORD") or _ask_password()
    except BaseException:
        st.close()
        raise
    try:
        outcome = st.add_user(name, password, by=who(None))
    finally:
        st.close()
    _common.info(
        f"account {name.strip()!r}: password changed"
        if outcome == "changed"
        else f"account {name.strip()!r} ready"
    )


def _ask_password() -> str:
    """The password typed twice at the prompt; the input ending first (no terminal, the
    two entries differing and then nothing more) is a usage error naming
    KINETOR_PASSWORD, not an exit without a word."""
    try:
        return typer.prompt("password", hide_input=True, confirmation_prompt=True, err=True)
    except typer.Abort as exc:
        if not isinstance(exc.__context__, EOFError):
            raise  # Ctrl-C: the user stopped it
        raise typer.BadParameter(
            "no password was read (the input ended before the same password was typed "
            "twice): set KINETOR_PASSWORD (e.g. KINETOR_PASSWORD=... kinetor store add-user "
            "NAME) or type it twice at the prompt",
            param_hint="KINETOR_PASSWORD",
        ) from None


@app.command("share")
def share_command(
    project_id: int = _id_arg("Project id."),
    with_user: str = typer.Argument(..., help="User to share with."),
    store: str | None = _STORE,
    user: str | None = _USER,
) -> None:
    """Let another user see and work in one of your projects."""
    st = open_store(store, create=False)
    st.share(project_id, with_user, who(user))
    st.close()
    _common.info(f"project {project_id} shared with {with_user}")
