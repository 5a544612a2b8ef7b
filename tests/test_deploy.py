"""The deployment files (Dockerfile, .dockerignore, compose.yaml, .env.example, the systemd units) say what they
should, and the commands they run work: every `partnerbot …` in them parses with the CLI's own parser, and the
image's commands are run here against real stores (no Docker engine on the machines we test on): `db upgrade` on a
fresh SQLite file and a fresh PostgreSQL schema, then `serve` and `scheduler` (on PostgreSQL, as compose runs them;
on SQLite without a server) with the settings of .env.example (dummy Slack secrets, the fake Slack), the image's
HEALTHCHECK command against serve (exit 0; non-zero where nothing listens), then SIGTERM, after which both exit 0.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import text

from benchmarks.slack_harness.fake_slack import FakeSlack
from bot.cli import build_parser, main
from storage.db import create_store_engine, schema_is_current
from tests.conftest import POSTGRES_ENV

ROOT = Path(__file__).resolve().parents[1]
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
PARTNERBOT_SERVICES = ("migrate", "serve", "scheduler")


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str
    stage: int  # 0 before the first FROM, then 1, 2, … per stage


def dockerfile() -> list[Instruction]:
    """The Dockerfile's instructions, continuation lines joined and comments dropped."""
    instructions, stage, pending = [], 0, ""
    for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        pending = f"{pending} {stripped}" if pending else stripped
        if pending.endswith("\\"):
            pending = pending[:-1].rstrip()
            continue
        keyword, _, args = pending.partition(" ")
        stage += keyword.upper() == "FROM"
        instructions.append(Instruction(keyword.upper(), args.strip(), stage))
        pending = ""
    return instructions


def final_stage() -> list[Instruction]:
    found = dockerfile()
    last = max(i.stage for i in found)
    return [i for i in found if i.stage == last]


def exec_form(instruction: Instruction) -> list[str]:
    args = instruction.args
    if instruction.keyword == "HEALTHCHECK":  # options, then CMD and the command
        args = args[args.index("CMD ") + 4 :]
    value = json.loads(args)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), f"{instruction} is not exec form"
    return value


def one(keyword: str) -> Instruction:
    (found,) = [i for i in final_stage() if i.keyword == keyword]
    return found


def ignored(path: str) -> bool:
    """Whether .dockerignore keeps `path` (a context-relative path) out of the build context."""
    patterns = [
        p.strip()
        for p in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if p.strip() and not p.startswith("#")
    ]
    parts = path.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    for pattern in patterns:
        tail = pattern.removeprefix("**/")
        for prefix in prefixes:
            if fnmatch.fnmatch(prefix, pattern) or (
                pattern.startswith("**/") and fnmatch.fnmatch(prefix.rsplit("/", 1)[-1], tail)
            ):
                return True
    return False


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    return loaded


def unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """A systemd unit: section → key → values (keys may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, sep, value = line.partition("=")
            assert sep and re.fullmatch(r"[A-Z][A-Z0-9_]*", key), f".env.example: {line!r} is not KEY=value"
            values[key] = value
    return values


# --- the image ------------------------------------------------------------------------------------------------


def test_the_image_is_slim_python_311_built_in_stages_and_runs_as_a_non_root_user() -> None:
    found = dockerfile()
    args = {
        name: default
        for i in found
        if i.keyword == "ARG" and i.stage == 0
        for name, _, default in [i.args.partition("=")]
    }
    bases = [
        re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], i.args.split()[0]) for i in found if i.keyword == "FROM"
    ]
    assert len(bases) == 2 and all(re.fullmatch(r"python:3\.11-slim(-\w+)?", b) for b in bases), bases
    final = final_stage()
    assert any(i.keyword == "COPY" and i.args.startswith("--from=build ") for i in final)
    users = [i.args for i in final if i.keyword == "USER"]
    assert users, "the final stage sets no USER: it would run as root"
    name, _, group = users[-1].partition(":")
    assert name not in ("root", "0") and group not in ("root", "0")
    # the package is installed, not linked to a source tree (no -e), from the copied files
    installs = [i.args for i in found if i.keyword == "RUN" and "pip install" in i.args and " . " in f"{i.args} "]
    assert installs and not any(re.search(r"(^|\s)(-e|--editable)(\s|$)", r) for r in installs)
    assert not any("curl" in i.args or "wget" in i.args for i in found)
    # no secret is baked in: no ENV or ARG names a token, secret or password
    assert not any(
        re.search(r"TOKEN|SECRET|PASSWORD|DATABASE_URL", i.args) for i in found if i.keyword in ("ENV", "ARG")
    )


def test_entrypoint_command_and_health_check() -> None:
    assert exec_form(one("ENTRYPOINT")) == ["partnerbot"]
    assert exec_form(one("CMD")) == ["serve"]
    check = one("HEALTHCHECK")
    assert re.search(r"--interval=\d+s", check.args) and re.search(r"--timeout=\d+s", check.args)
    argv = exec_form(check)
    assert argv[:2] == ["python", "-c"] and "urllib.request" in argv[2] and "/healthz" in argv[2]


def test_the_files_the_image_copies_exist_and_reach_the_build_context() -> None:
    copies = [i.args.split() for i in dockerfile() if i.keyword == "COPY" and not i.args.startswith("--from")]
    sources = [source for words in copies for source in words[:-1]]
    for source in sources:
        assert (ROOT / source).exists(), f"the Dockerfile copies {source}, which does not exist"
        assert not ignored(source), f".dockerignore keeps {source} out of the build context"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = [p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]]
    assert sorted(packages) == sorted(s for s in sources if (ROOT / s).is_dir()), "copy every package, and only those"
    assert project["project"]["readme"] in sources and "pyproject.toml" in sources


def test_the_build_context_leaves_out_environments_history_stores_and_secrets() -> None:
    for path in (
        ".venv",
        ".venv/bin/python",
        ".git",
        ".git/config",
        "partnerbot.db",
        "partnerbot.db-wal",
        "benchmarks/results/large.db",
        "storage/__pycache__/db.cpython-311.pyc",
        ".env",
        "tests",
    ):
        assert ignored(path), f"{path} would be sent to the Docker daemon"
    for path in ("bot/cli.py", "storage/migrations/versions/0001_initial_schema.py", "README.md", "pyproject.toml"):
        assert not ignored(path), path
    assert ".env" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_the_dependency_layer_installs_exactly_what_pyproject_lists(tmp_path: Path) -> None:
    (run,) = [i.args for i in dockerfile() if i.keyword == "RUN" and "requirements.txt" in i.args]
    words = shlex.split(run)
    code = words[words.index("-c") + 1]
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    listed = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert listed.stdout.splitlines() == project["dependencies"]


# --- compose.yaml and .env.example ----------------------------------------------------------------------------


def test_compose_runs_postgresql_a_one_shot_migration_then_serve_and_the_scheduler() -> None:
    data = compose()
    services = data["services"]
    assert set(services) == {"db", *PARTNERBOT_SERVICES}
    db = services["db"]
    assert db["image"].startswith("postgres:") and db["healthcheck"]["test"][0] in ("CMD", "CMD-SHELL")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    (volume,) = db["volumes"]
    assert volume.split(":")[0] in data["volumes"]  # a named volume, not a folder of the host
    migrate = services["migrate"]
    assert migrate["command"] == ["db", "upgrade"] and migrate["restart"] == "no"
    assert migrate["depends_on"] == {"db": {"condition": "service_healthy"}}
    for name in ("serve", "scheduler"):
        assert services[name]["depends_on"] == {
            "db": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }
        assert services[name]["restart"] == "unless-stopped"
    assert services["serve"]["command"] == ["serve"] and services["scheduler"]["command"] == ["scheduler"]
    assert services["scheduler"]["healthcheck"] == {"disable": True}  # the image's check is serve's HTTP one
    for name in PARTNERBOT_SERVICES:
        service = services[name]
        assert service["build"] == "." and service["env_file"] == ".env"
        assert "entrypoint" not in service  # the image's: partnerbot
        # secrets only from .env: nothing but the database URL (its password interpolated from .env) inline
        assert set(service["environment"]) == {"DATABASE_URL"}
        assert "${POSTGRES_PASSWORD:?" in service["environment"]["DATABASE_URL"]
        assert service["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://")


def test_env_example_names_only_real_settings_and_holds_no_secret() -> None:
    values = env_example()
    read = set(re.findall(r'"([A-Z][A-Z0-9_]{2,})"', (ROOT / "bot" / "settings.py").read_text(encoding="utf-8")))
    read |= {"PARTNERBOT_LOG_LEVEL"}  # read by the command line itself
    compose_only = {"POSTGRES_PASSWORD", "PARTNERBOT_PORT"}
    assert set(values) <= read | compose_only, f"not settings partnerbot reads: {set(values) - read - compose_only}"
    assert {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "DATABASE_URL", "POSTGRES_PASSWORD"} <= set(values)
    assert all(value == "" for value in values.values()), "an example holds no value, let alone a secret"
    interpolated = set(re.findall(r"\$\{(\w+)", (ROOT / "compose.yaml").read_text(encoding="utf-8")))
    assert interpolated <= set(values), "compose.yaml interpolates a variable .env.example does not document"


# --- systemd --------------------------------------------------------------------------------------------------


def test_the_systemd_units_migrate_first_and_read_secrets_from_an_environment_file(tmp_path: Path) -> None:
    units = {path.stem: unit(path) for path in UNITS}
    assert set(units) == {"partnerbot-migrate", "partnerbot-serve", "partnerbot-scheduler"}
    for name, sections in units.items():
        service = sections["Service"]
        assert service["EnvironmentFile"] == ["/etc/partnerbot/partnerbot.env"], name
        assert service["User"] not in (["root"], ["0"]) and service["User"], name
        assert not any(re.search("TOKEN|SECRET|PASSWORD|DATABASE_URL", v) for v in service.get("Environment", []))
    assert units["partnerbot-migrate"]["Service"]["Type"] == ["oneshot"]
    for name in ("partnerbot-serve", "partnerbot-scheduler"):
        assert units[name]["Unit"]["Requires"] == ["partnerbot-migrate.service"]
        assert "partnerbot-migrate.service" in units[name]["Unit"]["After"][0].split()
        service = units[name]["Service"]
        assert service["RestartPreventExitStatus"] == ["2"] and int(service["TimeoutStopSec"][0]) >= 30
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        return
    # systemd's own reading of the units (with the command pointed at this checkout's, which exists here)
    for path in UNITS:
        (tmp_path / path.name).write_text(
            path.read_text(encoding="utf-8").replace("/opt/partnerbot/bin/partnerbot", str(partnerbot_command())),
            encoding="utf-8",
        )
    checked = subprocess.run(
        [analyze, "verify", "--man=no", *[str(tmp_path / p.name) for p in UNITS]],
        capture_output=True,
        text=True,
        env={**os.environ, "SYSTEMD_LOG_LEVEL": "warning"},
        check=False,
    )
    assert (checked.returncode, checked.stdout + checked.stderr) == (0, "")


# --- every command is a real one ------------------------------------------------------------------------------


def deployed_commands() -> dict[str, list[str]]:
    """Every partnerbot invocation in the deployment files, as argv after `partnerbot`."""
    found: dict[str, list[str]] = {
        "Dockerfile ENTRYPOINT + CMD": exec_form(one("ENTRYPOINT"))[1:] + exec_form(one("CMD")),
    }
    for name in PARTNERBOT_SERVICES:
        found[f"compose.yaml {name}"] = compose()["services"][name]["command"]
    for path in UNITS:
        for key, values in unit(path)["Service"].items():
            if key.startswith("ExecStart"):
                for value in values:
                    words = shlex.split(value.lstrip("-+!@:"))
                    if words[0].endswith("/partnerbot"):
                        found[f"{path.name} {key}"] = words[1:]
    return found


DOCKER_OPTIONS_WITH_VALUES = {"-v", "--volume", "-e", "--env", "--env-file", "--name", "-p", "--publish", "-t"}


def readme_commands() -> dict[str, list[str]]:
    """The partnerbot invocations in the README's shell examples under "Deploying", as argv after `partnerbot`
    (`partnerbot …`, `/opt/partnerbot/bin/partnerbot …`, `docker run … partnerbot …`, `docker compose run … SERVICE
    …`)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("\n## Deploying\n") :]
    section = section[: section.index("\n## ", 1)]
    found = {}
    for block in re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL):
        for line in block.splitlines():
            words = shlex.split(re.sub(r"\$\([^)]*\)", "X", line), comments=True)
            for command in " ".join(words).split(" && "):
                argv = invocation(command.split())
                if argv is not None:
                    found[line] = argv
    return found


def invocation(words: list[str]) -> list[str] | None:
    """The argv after `partnerbot` in one shell command, or None when it runs something else."""
    if words[:3] == ["docker", "compose", "run"] or words[:2] == ["docker", "run"]:
        rest = words[3:] if words[1] == "compose" else words[2:]
        while rest and rest[0].startswith("-"):
            rest = rest[2:] if rest[0] in DOCKER_OPTIONS_WITH_VALUES else rest[1:]
        return rest[1:] if words[1] == "compose" or rest[:1] == ["partnerbot"] else None
    if words[:1] == ["partnerbot"]:
        return words[1:]
    script = next((i for i, word in enumerate(words) if word.endswith("/bin/partnerbot")), None)
    return None if script is None else words[script + 1 :]


def test_every_command_the_deployment_runs_is_a_real_partnerbot_command() -> None:
    commands = deployed_commands()
    assert len(commands) == 1 + len(PARTNERBOT_SERVICES) + len(UNITS)
    parser = build_parser()
    for where, argv in commands.items():
        try:
            args = parser.parse_args(argv)
        except SystemExit:
            pytest.fail(f"{where}: `partnerbot {' '.join(argv)}` is not a partnerbot command")
        assert args.command in ("serve", "scheduler", "db"), where
    assert sorted({" ".join(argv) for argv in commands.values()}) == ["db upgrade", "scheduler", "serve"]


def test_every_partnerbot_command_in_the_deploying_section_is_a_real_one() -> None:
    commands = readme_commands()
    assert len(commands) >= 9, commands  # the examples were found
    parser = build_parser()
    for line, argv in commands.items():
        try:
            args = parser.parse_args(argv or ["serve"])  # `docker run … partnerbot` alone runs the image's CMD
        except SystemExit:
            pytest.fail(f"README: `{line}` runs `partnerbot {' '.join(argv)}`, which is not a partnerbot command")
        if args.command == "db":
            assert (args.file is None) == (args.action == "upgrade"), line
    assert {tuple(a[:2]) for a in commands.values()} >= {("db", "upgrade"), ("db", "backup"), ("db", "restore")}


# --- and they run ---------------------------------------------------------------------------------------------


def partnerbot_command() -> Path:
    """The installed console script, as the image has it on PATH."""
    script = Path(sys.executable).with_name("partnerbot")
    assert script.exists(), "install the package (pip install -e .) to run the deployment's commands"
    return script


@pytest.fixture
def fresh_stores(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Empty stores, as a new deployment has them: a new SQLite file, and a new PostgreSQL schema when configured."""
    stores = {"sqlite": f"sqlite:///{tmp_path / 'partnerbot.db'}"}
    if POSTGRES_ENV not in os.environ:
        yield stores
        return
    base, schema = os.environ[POSTGRES_ENV], f"pbdeploy_{uuid.uuid4().hex[:10]}"
    admin = create_store_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield {**stores, "postgresql": f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"}
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def health_check(port: int) -> int:
    """The image's HEALTHCHECK command, run as Docker runs it (with the image's python: this one)."""
    argv = exec_form(one("HEALTHCHECK"))
    done = subprocess.run(
        [sys.executable, *argv[1:]], env={**os.environ, "PORT": str(port)}, capture_output=True, timeout=10, check=False
    )
    return done.returncode


def test_the_image_commands_run_against_fresh_stores(fresh_stores: dict[str, str], tmp_path: Path) -> None:
    """`db upgrade` on every store at once; then serve and the scheduler on the store compose gives them
    (PostgreSQL, when configured): each process costs seconds of imports, and the machine has two cores."""
    slack = FakeSlack().start()
    port = free_port()
    store = fresh_stores.get("postgresql", fresh_stores["sqlite"])
    environ = {
        **os.environ,
        **env_example(),  # the example's empty values are "not set"
        "DATABASE_URL": store,
        "SLACK_BOT_TOKEN": "xoxb-0000-1111-deploytest",
        "SLACK_SIGNING_SECRET": "0123456789abcdef0123456789abcdef",
        "SLACK_API_URL": slack.api_url,
        "PORT": str(port),
        "PARTNERBOT_LOG_LEVEL": "INFO",
        "PARTNERBOT_DRAIN_SECONDS": "5",
    }
    environ.pop("PARTNERBOT_MIGRATE", None)
    partnerbot = str(partnerbot_command())
    running: dict[str, subprocess.Popen[bytes]] = {}
    try:
        migrate = compose()["services"]["migrate"]["command"]
        upgrades = {
            name: subprocess.Popen(
                [partnerbot, *migrate],
                env={**environ, "DATABASE_URL": url},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for name, url in fresh_stores.items()
        }
        for name, upgrade in upgrades.items():
            out, err = upgrade.communicate(timeout=60)
            assert upgrade.returncode == 0, (name, err[-2000:])
            assert "schema is current" in out
            engine = create_store_engine(fresh_stores[name])
            assert schema_is_current(engine), name
            engine.dispose()

        assert health_check(port) != 0  # nothing listens yet: the check fails
        logs = {name: tmp_path / f"{name}.log" for name in ("serve", "scheduler")}
        commands = {"serve": exec_form(one("CMD")), "scheduler": compose()["services"]["scheduler"]["command"]}
        for name, argv in commands.items():
            with logs[name].open("wb") as log:
                running[name] = subprocess.Popen([partnerbot, *argv], env=environ, stdout=log, stderr=log)
        deadline = time.monotonic() + 30
        while health_check(port) != 0 or "scheduler running" not in logs["scheduler"].read_text():
            for name, process in running.items():
                assert process.poll() is None, f"{name} exited {process.returncode}: {logs[name].read_text()[-2000:]}"
            assert time.monotonic() < deadline, {n: p.read_text()[-1000:] for n, p in logs.items()}
            time.sleep(0.3)
        for process in running.values():
            process.send_signal(signal.SIGTERM)
        codes = {name: process.wait(timeout=20) for name, process in running.items()}
        assert codes == {"serve": 0, "scheduler": 0}, {n: p.read_text()[-2000:] for n, p in logs.items()}
        assert "Traceback" not in "".join(p.read_text() for p in logs.values())
        tokens = {call.token for call in slack.calls_to("auth.test")}
        assert tokens == {"xoxb-0000-1111-deploytest"}  # each found Slack with the token it was given
    finally:
        for process in running.values():
            if process.poll() is None:
                process.kill()
                process.wait()
        slack.stop()


def test_an_env_file_with_empty_values_means_defaults_and_a_bad_log_level_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for key, value in env_example().items():
        monkeypatch.setenv(key, value)  # KEY= as an env file sets it: empty, which means not set
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'store.db'}")
    assert main(["db", "upgrade"]) == 0
    monkeypatch.setenv("PARTNERBOT_LOG_LEVEL", "loud")
    with pytest.raises(SystemExit) as exited:
        main(["db", "upgrade"])
    assert exited.value.code == 2
    assert (
        capsys.readouterr().err
        == "partnerbot: PARTNERBOT_LOG_LEVEL is 'LOUD': use one of DEBUG, INFO, WARNING, ERROR, CRITICAL\n"
    )
