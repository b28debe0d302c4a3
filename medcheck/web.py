"""A local web page for the same check: paste a list or upload an export; nothing leaves the machine."""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import anc
from .anc import anc_from_differential, read_anc
from .catalog import Catalog, load_catalog
from .errors import InputError, MedcheckError
from .exports import format_of
from .formatters import (
    LABEL_WORDS,
    POSSIBLE_HEADING,
    RISK_HEADINGS,
    local_brand,
    possible_words,
    sections,
    shown_name,
)
from .models import CLOSING, AncReading, Finding, LineResult, Report, Risk
from .render_anc import anc_record
from .sources import cited_name, source_url

if TYPE_CHECKING:
    from flask import Flask
    from werkzeug.datastructures import FileStorage

EXTRA = 'pip install "medcheck[web]"'
MAX_UPLOAD = 200 * 1024 * 1024  # bytes; an export larger than this is checked with `medcheck batch`
MAX_PASTE = 1024 * 1024  # characters of a pasted list
LOOPBACK = ("127.0.0.1", "localhost", "[::1]", "::1")


def require_flask() -> None:
    """Raise a MedcheckError naming the extra to install when Flask is missing."""
    try:
        import flask  # noqa: F401
    except ImportError:
        raise MedcheckError(f"the web page needs Flask; install it with: {EXTRA}") from None


@dataclass(frozen=True)
class Shown:
    """One finding as the page shows it."""

    line: LineResult
    finding: Finding

    @property
    def read_as(self) -> str:
        local = local_brand(self.finding)
        if self.finding.confidence == "exact" and not local:
            return ""
        return ", ".join(x for x in (shown_name(self.finding.matched_name), local) if x)

    @property
    def possible(self) -> str:
        """A possible match as the text report words it ("did you mean ...?", or "may be ...")."""
        return possible_words(self.finding)


@dataclass
class Group:
    """The findings of one risk tier, with the advice they share."""

    risk: Risk
    heading: str
    items: list[Shown] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)


def report_view(report: Report) -> dict[str, Any]:
    """What the report template needs: findings grouped by tier (strongest first), past use, denials,
    possible matches, unmatched lines, and the advice's sources (the sections of the text report)."""
    parts = sections(report)
    groups = []
    for tier in Risk:
        group = Group(tier, RISK_HEADINGS[tier], [Shown(r, f) for r, f in parts.current if f.drug.risk == tier])
        for shown in group.items:
            if not shown.finding.drug.leaflet and shown.finding.advice not in group.advice:
                group.advice.append(shown.finding.advice)
        if group.items:
            groups.append(group)
    return {
        "groups": groups,
        "past": [Shown(r, f) for r, f in parts.past],
        "denied": [Shown(r, f) for r, f in parts.denied],
        "possible": [Shown(r, f) for r, f in parts.possible],
        "unmatched": list(report.unmatched),
        "advice_sources": [(cited_name(s), source_url(s)) for s in parts.cited],
        "anc": None if report.anc is None else anc_record(report.anc),
        "warn": report.anc is not None and (report.anc.low or any(g.risk == Risk.HIGH for g in groups)),
        "lines": len(report.results),
        "flagged": len(report.flagged),
    }


def reading_from(form: dict[str, str]) -> AncReading | None:
    """The ANC from the form: a count, or a white count with its differential; None when none was given."""
    anc, unit = form.get("anc", "").strip(), form.get("unit", "").strip() or None
    wbc, segs, bands = (form.get(k, "").strip() for k in ("wbc", "neutrophils", "bands"))
    if anc and (wbc or segs):
        raise InputError("give either the ANC or the white count with its differential, not both")
    if anc:
        return read_anc(anc, unit)
    if wbc or segs:
        if not (wbc and segs):
            raise InputError("the ANC from a differential needs both the white count and the neutrophils %")
        return anc_from_differential(wbc, segs, bands or "0", unit)
    return None


class Downloads:
    """Checked files waiting to be downloaded, each in a private folder removed once it is sent (or at exit)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[str, Path] = {}

    def add(self, path: Path) -> str:
        token = secrets.token_urlsafe(16)
        with self._lock:
            self._files[token] = path
        return token

    def take(self, token: str) -> Path | None:
        with self._lock:
            return self._files.pop(token, None)

    def clear(self) -> None:
        with self._lock:
            paths, self._files = list(self._files.values()), {}
        for path in paths:
            shutil.rmtree(path.parent, ignore_errors=True)


def _private_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="medcheck-web-"))  # mode 0700: health data, owner only


def check_upload(upload: FileStorage, catalog: Catalog, downloads: Downloads, column: str | None,
                 id_column: str | None) -> dict[str, Any]:
    """Check an uploaded export as `medcheck batch` does; the input is removed at once, the output kept
    privately until it is downloaded. Returns what the summary template needs."""
    from .batch import run_batch

    name = Path(upload.filename or "").name
    if not name:
        raise InputError("choose a file to upload (CSV, TSV or Parquet)")
    suffix = "".join(Path(name).suffixes[-2:]) if name.lower().endswith(".gz") else Path(name).suffix
    folder = _private_folder()
    try:
        source = folder / f"upload{suffix.lower()}"
        upload.save(source)
        try:
            format_of(source)
        except InputError as exc:
            raise InputError(str(exc).replace(str(source), name)) from None
        out_suffix = ".parquet" if suffix.lower() == ".parquet" else ".csv"
        stem = re.sub(r"[^A-Za-z0-9_-]", "_", name.split(".")[0])[:80] or "export"  # a safe header value
        output = folder / f"{stem}-checked{out_suffix}"
        try:
            summary = run_batch(source, output, column=column or None, id_column=id_column or None, catalog=catalog)
        except InputError as exc:  # the same one-line message as the CLI, naming the uploaded file
            raise InputError(str(exc).replace(str(source), name)) from None
        finally:
            source.unlink(missing_ok=True)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    token = downloads.add(output)
    doc = summary.as_dict()
    top = max([*doc["rows_by_drug"].values(), 1])
    return {
        "name": name,
        "summary": doc,
        "headline": summary.headline(),
        "drugs": [(d, n, summary.risk_of.get(d, ""), len(summary.patients.get(d, ())), round(100 * n / top))
                  for d, n in summary.drugs_by_tier()],
        "risks": [(r.value, doc["rows_by_risk"].get(r.value, 0)) for r in Risk],
        "patients": bool(summary.patients),
        "token": token,
        "download_name": output.name,
    }


def create_app(host: str = "127.0.0.1", port: int = 8765, catalog: Catalog | None = None) -> Flask:
    """The web app, answering only requests addressed to host:port (or localhost on that port)."""
    require_flask()
    from flask import Flask, Response, abort, render_template, request

    app = Flask(__name__, static_folder="web_static", static_url_path="/static", template_folder="web_templates")
    app.config["MAX_CONTENT_LENGTH"] = MAX_UPLOAD
    cat = catalog if catalog is not None else load_catalog()
    downloads = Downloads()
    app.extensions["medcheck_downloads"] = downloads
    names = {*LOOPBACK, host} if host in LOOPBACK else {host}
    allowed = {f"{h}:{port}" for h in names} | ({f"[{host}]:{port}"} if ":" in host else set())

    @app.before_request
    def refuse_other_hosts() -> None:
        # A page elsewhere may point a name it controls at 127.0.0.1 (DNS rebinding): its requests carry
        # that name in the Host header, and are refused.
        if request.host not in allowed:
            abort(400, description="this address is not the one medcheck serves")

    @app.after_request
    def headers(response: Any) -> Any:
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
            "base-uri 'none'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response

    app.jinja_env.filters["source_url"] = source_url

    def page(template: str, status: int = 200, **values: Any) -> tuple[str, int]:
        return render_template(template, closing=CLOSING, max_upload_mb=MAX_UPLOAD // (1024 * 1024),
                               label_words=LABEL_WORDS, possible_heading=POSSIBLE_HEADING,
                               warning_intro=anc.WARNING_SIGNS_INTRO, warning_signs=anc.WARNING_SIGNS, **values), status

    @app.get("/")
    def index() -> tuple[str, int]:
        return page("index.html", form={})

    @app.post("/check")
    def check() -> tuple[str, int]:
        from .matcher import check_lines

        form = {k: request.form.get(k, "") for k in ("meds", "anc", "unit", "wbc", "neutrophils", "bands")}
        if len(form["meds"]) > MAX_PASTE:
            return page("index.html", 413, form=form, error="the list is too long to paste; use an upload")
        try:
            reading = reading_from(form)
        except InputError as exc:
            return page("index.html", 400, form=form, error=str(exc))
        report = check_lines(form["meds"].splitlines(), cat)
        report = Report(results=report.results, catalog_version=report.catalog_version, anc=reading)
        return page("report.html", form=form, view=report_view(report))

    @app.post("/upload")
    def upload() -> tuple[str, int]:
        file = request.files.get("export")
        if file is None:
            return page("index.html", 400, form={}, error="choose a file to upload (CSV, TSV or Parquet)")
        try:
            result = check_upload(file, cat, downloads, request.form.get("column"), request.form.get("id_column"))
        except InputError as exc:
            return page("index.html", 400, form={}, error=str(exc))
        return page("summary.html", result=result)

    @app.get("/download/<token>")
    def download(token: str) -> Any:
        path = downloads.take(token)
        if path is None:
            abort(404, description="this checked file was already downloaded or has expired; upload it again")
        def chunks() -> Iterator[bytes]:
            try:
                with open(path, "rb") as f:
                    while block := f.read(1 << 20):
                        yield block
            finally:  # sent, or the browser gave up: the private folder goes either way
                shutil.rmtree(path.parent, ignore_errors=True)

        mimetype = "application/vnd.apache.parquet" if path.suffix == ".parquet" else "text/csv"
        return Response(chunks(), mimetype=mimetype, headers={
            "Content-Disposition": f'attachment; filename="{path.name}"',
            "Content-Length": str(path.stat().st_size),
        })

    @app.errorhandler(413)
    def too_large(_: Exception) -> tuple[str, int]:
        return page("index.html", 413, form={},
                    error=f"the file is larger than {MAX_UPLOAD // (1024 * 1024)} MB; check it with medcheck batch")

    return app


class WebServer:
    """The app on a socket bound to host:port (port 0: any free port), served until stopped."""

    def __init__(self, host: str, port: int, catalog: Catalog | None = None) -> None:
        require_flask()  # before werkzeug, which comes with Flask
        from werkzeug.serving import make_server

        self.server = make_server(host, port, None, threaded=True)  # type: ignore[arg-type]
        self.port = self.server.server_port
        self.app = create_app(host, self.port, catalog)
        self.server.app = self.app  # the Host check needs the port actually bound
        self.url = f"http://{f'[{host}]' if ':' in host else host}:{self.port}/"

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def shutdown(self) -> None:
        self.server.shutdown()

    def close(self) -> None:
        self.server.server_close()
        self.app.extensions["medcheck_downloads"].clear()
